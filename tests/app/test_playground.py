"""The playground page as the app serves it: its files, their headers, and what the page's code
may not do (inline script, HTML built from strings, storage, other hosts). The page's behaviour
in a browser is test_playground_browser.py's."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

import playground
from tests.support import FUNCTION_DIR

PAGE_FILES = {asset.file: (FUNCTION_DIR / asset.file).read_text() for asset in playground.ASSETS}


@pytest.mark.parametrize("asset", playground.ASSETS, ids=lambda asset: asset.path)
def test_each_file_of_the_page_is_served_with_its_type_and_a_strict_policy(client, asset):
    response = client.get(asset.path)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{asset.media_type}; charset=utf-8"
    assert response.text == PAGE_FILES[asset.file]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = dict(rule.split(" ", 1) for rule in response.headers["content-security-policy"].split("; "))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == policy["base-uri"] == "'none'"
    assert "unsafe" not in response.headers["content-security-policy"]


def test_the_page_links_its_script_and_style_and_posts_to_invoke_by_relative_urls():
    # Relative: the same page works at /playground locally and at /<stage>/playground deployed.
    html = PAGE_FILES["playground.html"]
    linked = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(urljoin("http://host/v1/playground", url) for url in linked) == [
        "http://host/v1/playground/script",
        "http://host/v1/playground/style",
    ]
    assert 'fetch("invoke"' in PAGE_FILES["playground.js"]


def test_the_page_has_no_inline_script_or_style_and_nothing_from_another_host():
    html = PAGE_FILES["playground.html"]
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="playground/script" defer>']
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html)
    assert not [text for text in PAGE_FILES.values() if re.search(r"https?:|//[a-z]", text.replace("// ", ""))]


def test_the_script_never_turns_text_into_html_nor_stores_the_key():
    script = PAGE_FILES["playground.js"]
    forbidden = (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "document.cookie",
    )
    assert [word for word in forbidden if word in script] == []
    assert 'headers["x-api-key"] = key' in script  # the key goes out only as the header


def test_the_page_is_small_enough_to_read_in_one_sitting():
    lines = sum(text.count("\n") for text in PAGE_FILES.values())
    assert lines < 400, lines
