"""Over time: note-taking episodes, windows, events, the summary and the advice."""
