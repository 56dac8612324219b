"""Settings from wp-config.php (read as text) and from the environment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bridge import config as config_module
from bridge.config import load_settings, parse_wp_config
from bridge.errors import ConfigError

SECRET = "s" * 40
WORDPRESS = Path("/usr/share/wordpress")


def test_the_sample_config_wordpress_ships_is_read(tmp_path):
    sample = tmp_path / "wp-config.php"
    shutil.copy(WORDPRESS / "wp-config-sample.php", sample)

    found = parse_wp_config(sample)

    assert found["DB_NAME"] == "database_name_here"
    assert found["DB_USER"] == "username_here"
    assert found["DB_HOST"] == "localhost"
    assert found["$table_prefix"] == "wp_"
    assert found["AUTH_KEY"] == "put your unique phrase here"
    assert found["WP_DEBUG"] is False


def test_placeholder_salts_of_the_sample_are_ignored(tmp_path):
    sample = tmp_path / "wp-config.php"
    shutil.copy(WORDPRESS / "wp-config-sample.php", sample)

    settings = load_settings({"BRIDGE_WP_CONFIG": str(sample), "BRIDGE_SECRET": SECRET})

    assert settings.salts.from_constants("logged_in") == ("", "")
    assert settings.database_url == (
        "mysql://username_here:password_here@localhost/database_name_here"
    )


def test_quotes_escapes_comments_and_the_prefix(tmp_path):
    path = tmp_path / "wp-config.php"
    path.write_text(
        """<?php
        // define('DB_NAME', 'commented_out');
        # define('DB_USER', 'commented_out');
        /* define('DB_PASSWORD', 'commented');
           define('DB_HOST', 'commented'); */
        define( "DB_NAME", "shop" );
        define('DB_USER', 'o\\'brien');
        define('DB_PASSWORD', "p@ss:w/rd\\"#1");
        define('DB_HOST', '127.0.0.1:3307');
        define('LOGGED_IN_KEY', 'key // not a comment');
        define('LOGGED_IN_SALT', 'salt # not a comment');
        define('WP_HOME', 'https://shop.example');
        define('WP_SITEURL', 'https://shop.example/wp');
        $table_prefix  = 'shop_';
        define('DB_NAME', 'second definitions are ignored, as in PHP');
        require_once ABSPATH . 'wp-settings.php';
        """
    )

    found = parse_wp_config(path)
    settings = load_settings({"BRIDGE_WP_CONFIG": str(path), "BRIDGE_SECRET": SECRET})

    assert found["DB_NAME"] == "shop"
    assert found["DB_USER"] == "o'brien"
    assert found["DB_PASSWORD"] == 'p@ss:w/rd"#1'
    assert found["LOGGED_IN_KEY"] == "key // not a comment"
    assert settings.table_prefix == "shop_"
    assert settings.site_url == "https://shop.example/wp"
    assert settings.home_url == "https://shop.example"
    assert settings.database_url == (
        "mysql://o%27brien:p%40ss%3Aw%2Frd%22%231@127.0.0.1:3307/shop"
    )
    assert settings.salts.from_constants("logged_in") == (
        "key // not a comment",
        "salt # not a comment",
    )


def test_a_config_that_includes_another_by_path(tmp_path):
    (tmp_path / "secrets.php").write_text(
        "<?php define('DB_NAME', 'included'); define('NONCE_KEY', 'nk');"
    )
    main = tmp_path / "wp-config.php"
    main.write_text(
        "<?php require_once __DIR__ . '/secrets.php';\n"
        "define('DB_USER', 'u'); $table_prefix = 'x_';"
    )

    found = parse_wp_config(main)

    assert found["DB_NAME"] == "included"
    assert found["NONCE_KEY"] == "nk"
    assert found["$table_prefix"] == "x_"


def test_debian_layout_falls_back_to_config_default(tmp_path, monkeypatch):
    etc = tmp_path / "etc-wordpress"
    etc.mkdir()
    (etc / "config-default.php").write_text(
        "<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wordpress');\n"
        "define('DB_PASSWORD', 'secret');\ndefine('DB_HOST', 'localhost');\n"
        "define('SECRET_KEY', 'debian-secret');\n"
        "define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');\n"
    )
    monkeypatch.setattr(config_module, "_DEBIAN_DIR", etc)

    settings = load_settings(
        {"BRIDGE_WP_CONFIG": str(WORDPRESS / "wp-config.php"), "BRIDGE_SECRET": SECRET}
    )

    assert settings.database_url == "mysql://wordpress:secret@localhost/wordpress"
    assert settings.uploads_dir == "/var/lib/wordpress/wp-content/uploads"
    # Debian defines only SECRET_KEY: it is the key of every scheme, salts come
    # from the options.
    assert settings.salts.from_constants("logged_in") == ("debian-secret", "")


def test_debian_layout_without_a_default_names_the_file_to_use(tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, "_DEBIAN_DIR", tmp_path / "missing")

    with pytest.raises(ConfigError, match=r"config-<your host>\.php"):
        load_settings(
            {
                "BRIDGE_WP_CONFIG": str(WORDPRESS / "wp-config.php"),
                "BRIDGE_SECRET": SECRET,
            }
        )


def test_a_debian_host_config_is_read_directly(tmp_path):
    path = tmp_path / "config-shop.example.php"
    path.write_text(
        "<?php\ndefine('DB_NAME', 'shop');\ndefine('DB_USER', 'shop');\n"
        "define('DB_PASSWORD', 'pw');\n"
        "define('DB_HOST', 'localhost:/run/mysqld/m.sock');"
    )

    settings = load_settings({"BRIDGE_WP_CONFIG": str(path), "BRIDGE_SECRET": SECRET})

    assert settings.database_url == (
        "mysql://shop:pw@localhost/shop?unix_socket=/run/mysqld/m.sock"
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "BRIDGE_DATABASE_URL"),
        ({"BRIDGE_DATABASE_URL": "postgres://x/y"}, "BRIDGE_DATABASE_URL"),
        ({"BRIDGE_DATABASE_URL": "mysql://root@h/"}, "BRIDGE_DATABASE_URL"),
        ({"BRIDGE_DATABASE_URL": "sqlite:///x.db"}, "BRIDGE_SECRET"),
        ({"BRIDGE_SECRET": "short"}, "BRIDGE_SECRET"),
        ({"BRIDGE_TABLE_PREFIX": "wp-; DROP"}, "BRIDGE_TABLE_PREFIX"),
        ({"BRIDGE_LOGIN": "oauth"}, "BRIDGE_LOGIN"),
        ({"BRIDGE_SITE_URL": "ftp://x"}, "BRIDGE_SITE_URL"),
        ({"BRIDGE_URL_PREFIX": "/a b"}, "BRIDGE_URL_PREFIX"),
        ({"BRIDGE_SMTP_URL": "http://x"}, "BRIDGE_SMTP_URL"),
        ({"BRIDGE_UPLOAD_LIMIT": "lots"}, "BRIDGE_UPLOAD_LIMIT"),
        ({"BRIDGE_WP_CONFIG": "/nonexistent/wp-config.php"}, "BRIDGE_WP_CONFIG"),
    ],
)
def test_bad_settings_stop_with_a_message_naming_the_setting(env, named):
    base = {"BRIDGE_DATABASE_URL": "sqlite:///x.db", "BRIDGE_SECRET": SECRET}
    if named == "BRIDGE_DATABASE_URL" and not env:
        base.pop("BRIDGE_DATABASE_URL")
    if named == "BRIDGE_SECRET" and "BRIDGE_SECRET" not in env:
        base.pop("BRIDGE_SECRET")

    with pytest.raises(ConfigError, match=named):
        load_settings({**base, **env})


def test_the_environment_overrides_wp_config_and_overrides_win(tmp_path):
    path = tmp_path / "wp-config.php"
    path.write_text("<?php define('DB_NAME', 'a'); $table_prefix = 'a_';")

    settings = load_settings(
        {
            "BRIDGE_WP_CONFIG": str(path),
            "BRIDGE_TABLE_PREFIX": "env_",
            "BRIDGE_SECRET": SECRET,
        },
        {"BRIDGE_DATABASE_URL": "sqlite:///override.db"},
    )

    assert settings.table_prefix == "env_"
    assert settings.database_url == "sqlite:///override.db"
