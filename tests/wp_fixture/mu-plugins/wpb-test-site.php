<?php
/**
 * Plugin Name: Bridge test site
 * Description: Keeps a throw-away test WordPress from sending mail.
 */

defined( 'ABSPATH' ) || exit;

add_filter( 'pre_wp_mail', '__return_false' );
