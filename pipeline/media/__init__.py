"""The media stage: the only code that touches PyAV (probing, decoding, encoding, and the
audio track), and where the decoding runs (CPU placement)."""
