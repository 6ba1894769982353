import os
from pathlib import Path
import pytest

os.environ.setdefault('IN_TEST', '1')
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / 'data' / 'sample'

@pytest.fixture
def photo():
    "A real photograph from the embedded sample."
    return SAMPLE / 'flower.jpg'
