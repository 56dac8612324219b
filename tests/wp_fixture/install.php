<?php
/**
 * Installs a fresh test WordPress into its empty database, as the installer would.
 *
 * Reads a JSON object from standard input: url, title, admin_login,
 * admin_password, admin_email. Prints one JSON line after the marker line.
 */

define( 'WP_INSTALLING', true );
require __DIR__ . '/load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$wpb_input = json_decode( stream_get_contents( STDIN ), true );

$wpb_installed = wp_install(
	$wpb_input['title'],
	$wpb_input['admin_login'],
	$wpb_input['admin_email'],
	true,
	'',
	wp_slash( $wpb_input['admin_password'] )
);

// wp_install() guesses the URL from the CLI request; the test server has its own.
update_option( 'siteurl', $wpb_input['url'] );
update_option( 'home', $wpb_input['url'] );

// Make WordPress store the keys and salts that its config does not define now,
// before any request races to create them.
foreach ( array( 'auth', 'secure_auth', 'logged_in', 'nonce' ) as $wpb_scheme ) {
	wp_salt( $wpb_scheme );
}

echo "\n--WPB-RESULT--\n";
echo wp_json_encode(
	array(
		'user_id'    => $wpb_installed['user_id'],
		'version'    => $GLOBALS['wp_version'],
		'db_version' => (int) get_option( 'db_version' ),
	)
);
