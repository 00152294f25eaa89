"""Who is where: faces found and followed per participant, and their landmarks (with the
only mediapipe import, in `landmarks`)."""
