"""Streamlit presentation of the 心安城市 indicators; imports `indicators`, never the reverse."""
