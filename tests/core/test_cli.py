from gongzhi import cli


def test_serve_refuses_the_placeholder_secret_key(settings, capsys):
    settings.SECRET_KEY = settings.INSECURE_KEY_PREFIX + "development-only-key"
    assert cli.main(["serve"]) == 2
    assert "SECRET_KEY" in capsys.readouterr().out


def test_serve_refuses_a_short_secret_key(settings, capsys):
    settings.SECRET_KEY = "short"
    assert cli.main(["serve"]) == 2


def test_serve_refuses_debug(settings, capsys):
    settings.SECRET_KEY = "k" * 50
    settings.DEBUG = True
    assert cli.main(["serve"]) == 2
    assert "DEBUG" in capsys.readouterr().out


def test_demo_keeps_its_own_key_in_the_data_directory(tmp_path):
    first = cli._demo_secret_key(tmp_path)
    assert len(first) >= 50
    assert cli._demo_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_help_lists_the_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("demo", "serve", "worker", "schedule"):
        assert word in out
