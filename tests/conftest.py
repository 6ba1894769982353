import os  # noqa: F401
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / 'data' / 'sample'


@pytest.fixture
def photo():
    "A real photograph from the embedded sample."
    return SAMPLE / 'flower.jpg'
