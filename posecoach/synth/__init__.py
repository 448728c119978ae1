"""Synthetic mannequin videos with exact ground truth."""
