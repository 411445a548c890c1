"""Calibration screens."""
