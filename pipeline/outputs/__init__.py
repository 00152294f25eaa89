"""What the user reads: result.json, frames.csv, the HTML report and the annotated video."""
