import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / 'data' / 'sample'


@pytest.fixture
def photo():
    "A real photograph from the embedded sample."
    return SAMPLE / 'flower.jpg'


def user_env() -> dict:
    "The environment a user has for the `colorgan` command: the venv's bin first on PATH, no IN_TEST."
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    return env
