"""The 心安城市 indicator domain: catalogue, figures, store and scoring. Never imports streamlit."""

from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import IndicatorsError, Problem

__all__ = ["Catalogue", "IndicatorsError", "Problem", "load_catalogue"]
