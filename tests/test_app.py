"The web page (`colorgan serve`) in a real browser: headless Chromium driven by Selenium, as a user would use it."

import importlib.util, os, shutil, socket, subprocess, sys, time, urllib.parse, urllib.request
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

from conftest import SAMPLE, user_env

CHROMIUM, DRIVER = shutil.which('chromium') or '/usr/bin/chromium', shutil.which('chromedriver') or '/usr/bin/chromedriver'
pytestmark = pytest.mark.skipif(
    not (importlib.util.find_spec('gradio') and importlib.util.find_spec('selenium') and Path(CHROMIUM).exists()
         and Path(DRIVER).exists()),
    reason="needs the app extra (Gradio), selenium and Debian's chromium + chromium-driver (.ci/run installs them)",
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def server():
    "`colorgan serve` on a free localhost port, as a user starts it."
    port = _free_port()
    p = subprocess.Popen([str(Path(sys.executable).parent / 'colorgan'), 'serve', '--port', str(port)], env=user_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    url = f'http://127.0.0.1:{port}/'
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
        assert p.poll() is None, p.stdout.read()
    else:
        p.kill()
        pytest.fail('colorgan serve did not answer within 120 s')
    yield url
    p.terminate()
    p.wait(timeout=30)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--window-size=1280,1500'):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield d
    d.quit()


def _wait(fn, timeout=120, what='the page'):
    "fn() once it is truthy; the page re-renders as results arrive, so an element gone stale is tried again."
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            v = fn()
        except (StaleElementReferenceException, NoSuchElementException):
            v = None
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError(f'{what} did not appear within {timeout} s')


def _slider_shown(d) -> bool:
    "Whether the before/after slider's images are loaded (gr.render adds it after the status line)."
    from selenium.webdriver.common.by import By

    js = 'const r = arguments[0].getBoundingClientRect(); return arguments[0].complete && ' \
         'arguments[0].naturalWidth > 100 && r.height > 100 && getComputedStyle(arguments[0]).visibility == "visible"'
    return sum(bool(d.execute_script(js, i)) for i in d.find_elements(By.CSS_SELECTOR, 'img')) >= 2


def _upload_and_colorize(d, url, path, slider=True):
    from selenium.webdriver.common.by import By

    d.get(url)
    # the page's components render one by one (Gradio loads each one's code): wait for the last ones too
    _wait(lambda: d.find_elements(By.CSS_SELECTOR, '#uploads input[type=file]') and d.find_elements(By.ID, 'colorize')
          and d.find_elements(By.CSS_SELECTOR, '#saturation input[type=range]'), what='the whole page')  # fmt: skip
    d.find_element(By.CSS_SELECTOR, '#uploads input[type=file]').send_keys(str(path))
    _wait(lambda: Path(path).stem in d.find_element(By.ID, 'uploads').text, what='the uploaded file')
    t0 = time.perf_counter()
    d.find_element(By.ID, 'colorize').click()
    _wait(lambda: 'colorized' in d.find_element(By.ID, 'status').text, what='the result')
    if slider:
        _wait(lambda: _slider_shown(d), what='the before/after slider')
    links = d.find_elements(By.CSS_SELECTOR, '#downloads a')
    return links, d.find_element(By.ID, 'status').text, time.perf_counter() - t0


def _twelve_megapixels(folder: Path) -> Path:
    "A 12 MP JPEG (4000 x 3000) made from a real photo, as bench/colorize.py makes it."
    p = folder / 'meadow_12mp.jpg'
    Image.open(SAMPLE / 'greenmeadow.jpg').convert('RGB').resize((4000, 3000), Image.BICUBIC).save(p, quality=90)
    return p


def test_a_photo_round_trips_through_the_page(server, browser, tmp_path):
    """Upload a real 12 MP photo, colorize it, download it: as JPEG (the page's default, timed), then as PNG, which
    must have the photo's size, its lightness within 1 L unit, and colour."""
    from selenium.webdriver.common.by import By
    from colorgan_nb.colorize import lightness
    from colorgan_nb.metrics import _colorfulness_np

    photo = _twelve_megapixels(tmp_path)
    src = np.asarray(Image.open(photo).convert('RGB'))
    links, status, seconds = _upload_and_colorize(browser, server, photo)
    print(f"12 MP photo through the page as JPEG (click -> slider shown): {seconds:.2f} s; status: {status!r}")
    assert len(links) == 1 and links[0].get_attribute('href').endswith('meadow_12mp.jpg'), status
    shot = Path(os.environ.get('COLORGAN_SCREENSHOT', tmp_path / 'page.png'))
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    jpg = Image.open(urllib.request.urlopen(links[0].get_attribute('href'), timeout=60))
    assert jpg.format == 'JPEG' and jpg.size == (src.shape[1], src.shape[0])
    # the same photo again, as PNG (lossless): the lightness is the photo's own
    browser.find_element(By.XPATH, "//*[@id='format']//label[contains(., 'png')]").click()
    t0 = time.perf_counter()
    browser.find_element(By.ID, 'colorize').click()
    href = _wait(lambda: [a.get_attribute('href') for a in browser.find_elements(By.CSS_SELECTOR, '#downloads a')
                          if a.get_attribute('href').endswith('.png')], what='the PNG')[0]  # fmt: skip
    print(f"... as PNG: {time.perf_counter() - t0:.2f} s")
    got = tmp_path / 'downloaded.png'
    got.write_bytes(urllib.request.urlopen(href, timeout=60).read())
    out = np.asarray(Image.open(got).convert('RGB'))
    assert out.shape == src.shape  # full resolution
    assert np.abs(lightness(out) - lightness(src)).max() <= 1.0  # the photo's own lightness, within 1 L unit
    assert _colorfulness_np(out / 255) > 5  # and colour


def test_a_bad_file_shows_an_error_and_the_page_keeps_working(server, browser, tmp_path):
    """A text file gets a message on the page; a photo uploaded after it is still colorized; closing the page removes
    the uploads and the results."""
    from selenium.webdriver.common.by import By

    bad = tmp_path / 'notes.txt'
    bad.write_text('not a photo')
    links, status, _ = _upload_and_colorize(browser, server, bad, slider=False)
    assert 'notes.txt: not an image' in status and '0 photo(s) colorized' in status and not links
    browser.find_element(By.CSS_SELECTOR, '#uploads input[type=file]').send_keys(str(SAMPLE / 'storm.jpg'))
    _wait(lambda: 'storm' in browser.find_element(By.ID, 'uploads').text, what='the second upload')
    browser.find_element(By.ID, 'colorize').click()
    _wait(lambda: '1 photo(s) colorized' in browser.find_element(By.ID, 'status').text, what='the second result')
    links = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, '#downloads a'), what='the download link')
    assert links[0].get_attribute('href').endswith('storm.jpg')
    # closing the page deletes this session's uploads and results from the server
    files = [Path(urllib.parse.unquote(a.get_attribute('href').split('file=', 1)[1]))
             for a in browser.find_elements(By.CSS_SELECTOR, '#uploads a, #downloads a')]  # fmt: skip
    assert len(files) == 3 and all(f.exists() for f in files), files  # notes.txt, storm.jpg, the result
    browser.get('about:blank')
    _wait(lambda: not any(f.exists() for f in files), timeout=60, what="the session's files' removal")


def test_the_colour_strength_slider_reaches_the_photo(server, browser, tmp_path):
    """The page's colour strength at 0 gives the gray photo (as PNG, R = G = B); at its default 1 the same photo has
    colour: the slider's value is what colorizes, per request."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def download_png():
        browser.find_element(By.ID, 'colorize').click()
        href = _wait(lambda: [a.get_attribute('href') for a in browser.find_elements(By.CSS_SELECTOR, '#downloads a')
                              if a.get_attribute('href').endswith('.png') and a.get_attribute('href') not in seen],
                     what='the PNG')[0]  # fmt: skip
        seen.add(href)
        return np.asarray(Image.open(urllib.request.urlopen(href, timeout=60)).convert('RGB')).astype(int)

    seen = set()
    _upload_and_colorize(browser, server, SAMPLE / 'aqua.jpg', slider=False)
    browser.find_element(By.XPATH, "//*[@id='format']//label[contains(., 'png')]").click()
    colour = download_png()
    box = browser.find_element(By.CSS_SELECTOR, '#saturation input[type=number]')
    box.send_keys(Keys.CONTROL, 'a')
    box.send_keys('0', Keys.TAB)
    _wait(lambda: browser.find_element(By.CSS_SELECTOR, '#saturation input[type=range]').get_attribute('value') == '0',
          what='the slider at 0')  # fmt: skip
    gray = download_png()
    assert np.ptp(gray, axis=2).max() <= 1 and np.ptp(colour, axis=2).mean() > 3
