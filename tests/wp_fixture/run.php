<?php
/**
 * Runs PHP code read from standard input inside a test WordPress.
 *
 * The code is the body of a function: it uses `global` for WordPress's globals
 * and `return`s a value, which is printed as JSON after the marker line (so that
 * notices printed while loading cannot be mistaken for the result).
 */

require __DIR__ . '/load.php';

$wpb_code   = stream_get_contents( STDIN );
$wpb_result = ( static function () use ( $wpb_code ) {
	return eval( $wpb_code );
} )();

if ( $wpb_result instanceof WP_Error ) {
	$wpb_result = array( 'wp_error' => $wpb_result->get_error_codes() );
}

echo "\n--WPB-RESULT--\n";
echo wp_json_encode( $wpb_result, JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR );
