<?php
/**
 * Loads a test WordPress from the command line, the way a request would.
 *
 * Debian's wp-config.php picks /etc/wordpress/config-NAME.php by
 * $_SERVER['WORDPRESS_CONFIG'] (or by the Host header), so that and the host are
 * set before wp-load.php runs. WPB_CONFIG, WPB_HOST and WPB_ROOT come from the
 * environment the test fixture gives.
 */

$wpb_config = getenv( 'WPB_CONFIG' );
$wpb_root   = getenv( 'WPB_ROOT' );
if ( ! $wpb_config || ! $wpb_root ) {
	fwrite( STDERR, "WPB_CONFIG and WPB_ROOT must be set\n" );
	exit( 2 );
}

$_SERVER['WORDPRESS_CONFIG'] = $wpb_config;
$_SERVER['HTTP_HOST']        = getenv( 'WPB_HOST' ) ? getenv( 'WPB_HOST' ) : 'localhost';
$_SERVER['SERVER_NAME']      = preg_replace( '/:.*/', '', $_SERVER['HTTP_HOST'] );
$_SERVER['SERVER_PORT']      = '80';
$_SERVER['REQUEST_METHOD']   = 'GET';
$_SERVER['REQUEST_URI']      = '/';
$_SERVER['REMOTE_ADDR']      = '127.0.0.1';

require rtrim( $wpb_root, '/' ) . '/wp-load.php';
