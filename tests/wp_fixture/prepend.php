<?php
/**
 * Prepended to every request of a test WordPress served by `php -S`.
 *
 * The built-in server does not pass environment variables into $_SERVER, and
 * Debian's wp-config.php chooses its config file by $_SERVER['WORDPRESS_CONFIG'].
 * The fixture starts the server with WPB_CONFIG in its environment.
 */

$_SERVER['WORDPRESS_CONFIG'] = getenv( 'WPB_CONFIG' );
