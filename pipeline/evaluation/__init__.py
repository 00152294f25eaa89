"""Scoring the pipeline against labelled clips."""
