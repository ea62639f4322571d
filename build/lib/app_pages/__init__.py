"""Streamlit pages and the helpers they share; the only place besides app.py that imports streamlit."""
