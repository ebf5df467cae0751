"""Every variable the deploy files and examples set is one Factdesk reads."""

from __future__ import annotations

from tests.deploy.files import DEPLOY, env_file_names, setting_names


def test_env_example_sets_only_settings() -> None:
    assert env_file_names(DEPLOY / ".env.example") - setting_names() == set()


def test_env_example_mentions_the_compose_password_commented_out() -> None:
    # Compose interpolates it; it is not a Factdesk setting, so it stays a commented hint.
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    assert "# POSTGRES_PASSWORD=" in text
