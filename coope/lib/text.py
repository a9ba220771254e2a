"""Text helpers: names compared without accents or case."""

import re

from unidecode import unidecode


def normalize(text: str) -> str:
    """'  Élodie  DUPONT-Gaël ' -> 'elodie dupont-gael' (for search and duplicate checks)."""
    return re.sub(r"\s+", " ", unidecode(text or "")).strip().lower()
