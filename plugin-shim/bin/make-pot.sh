#!/bin/sh
# Regenerates languages/wp-portal-bridge.pot from the plugin's PHP files with GNU xgettext.
# Run from anywhere: sh plugin-shim/bin/make-pot.sh
set -eu

cd "$(dirname "$0")/.."
main=wp-portal-bridge.php
version=$(sed -n 's/^ \* Version: *//p' "$main")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The plugin header's name and description are shown translated on the Plugins screen.
header_field() {
	sed -n "s/^ \* $1: *//p" "$main" | sed "s/'/\\\\'/g"
}
cat > "$tmp/header.php" <<PHP
<?php
/* translators: Plugin Name of the plugin */
__( '$(header_field 'Plugin Name')', 'wp-portal-bridge' );
/* translators: Description of the plugin */
__( '$(header_field 'Description')', 'wp-portal-bridge' );
PHP

find . -name '*.php' -not -path './bin/*' | LC_ALL=C sort > "$tmp/files"
echo "$tmp/header.php" >> "$tmp/files"

xgettext --language=PHP --from-code=UTF-8 --files-from="$tmp/files" \
	--output="$tmp/out.pot" --add-comments=translators: --no-wrap --sort-by-file \
	--package-name='WP Portal Bridge' --package-version="$version" \
	--keyword= --keyword=__:1 --keyword=_e:1 --keyword=esc_html__:1 --keyword=esc_html_e:1 \
	--keyword=esc_attr__:1 --keyword=esc_attr_e:1 --keyword=_x:1,2c --keyword=_ex:1,2c \
	--keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c --keyword=_n:1,2 \
	--keyword=_nx:1,2,4c --keyword=_n_noop:1,2 --keyword=_nx_noop:1,2,3c

# Fill in xgettext's placeholders and drop the temporary file's name from references.
sed -e 's/charset=CHARSET/charset=UTF-8/' \
	-e 's/^"Language: \\n"$/"Language: \\n"\n"X-Domain: wp-portal-bridge\\n"/' \
	-e "s|^#: $tmp/header.php:[0-9]*|#: wp-portal-bridge.php|" \
	-e 's|^#: \./|#: |' \
	-e 's/^#\. translators: \(Plugin Name\|Description\) of the plugin$/#. \1 of the plugin/' \
	-e '1,/^$/{' \
	-e 's/^# SOME DESCRIPTIVE TITLE\./# Translations of the WP Portal Bridge plugin./' \
	-e 's/^# Copyright (C) YEAR.*/# License: GPLv2 or later, as the plugin./' \
	-e '/^# FIRST AUTHOR/d' -e '/^#, fuzzy$/d' -e '/^# This file is distributed under/d' \
	-e '}' \
	"$tmp/out.pot" > languages/wp-portal-bridge.pot

msgfmt --check-format -o /dev/null languages/wp-portal-bridge.pot
count=$(grep -c '^msgid "[^"]' languages/wp-portal-bridge.pot)
echo "wrote languages/wp-portal-bridge.pot: $count strings"
