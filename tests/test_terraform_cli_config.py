"""The Terraform CLI config: a local provider mirror when there is one, the registry otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import terraform_cli_config as config


def make_mirror(root: Path) -> Path:
    (root / config.PROVIDER / config.PROVIDER_VERSION / "linux_amd64").mkdir(parents=True)
    return root


def test_configured_mirror_is_used_and_the_provider_excluded_from_direct_download(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    text = config.render(config.find_mirror({"TF_PROVIDER_MIRROR": str(mirror)}))
    assert f'path    = "{mirror}"' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text


def test_configured_mirror_without_the_provider_is_a_clear_error(tmp_path):
    with pytest.raises(config.MirrorError, match=r"does not hold registry\.terraform\.io/hashicorp/aws 5\.100\.0"):
        config.find_mirror({"TF_PROVIDER_MIRROR": str(tmp_path)})


def test_mirror_is_discovered_in_a_subfolder_of_a_search_root(tmp_path, monkeypatch):
    mirror = make_mirror(tmp_path / "opt" / "tf-plugins")
    monkeypatch.setattr(config, "SEARCH_ROOTS", (str(tmp_path / "missing"), str(tmp_path / "opt")))
    assert config.find_mirror({}) == mirror


def test_without_any_mirror_the_public_registry_is_used(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SEARCH_ROOTS", (str(tmp_path),))
    mirror = config.find_mirror({})
    assert mirror is None
    assert "provider_installation" not in config.render(mirror)


def test_written_file_is_what_terraform_reads(tmp_path):
    output = config.write_config(tmp_path / "terraformrc", {"TF_PROVIDER_MIRROR": str(make_mirror(tmp_path / "m"))})
    assert "filesystem_mirror" in output.read_text()
