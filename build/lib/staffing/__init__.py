"""Staffing: Erlang C/A requirements, shift scheduling, rosters and schedule exports."""
