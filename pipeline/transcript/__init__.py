"""Transcript stage: parse an uploaded transcript and find the interviewer's verbal signs."""
