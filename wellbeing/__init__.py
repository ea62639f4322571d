"""Wellbeing: burnout-risk signals, scoring with reasons, and the outlook from staffing gaps."""
