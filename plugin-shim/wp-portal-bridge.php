<?php
/**
 * Plugin Name:       WP Portal Bridge
 * Description:       Client Portal Access toggle, client role and sign-on for a client portal.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            WP Portal Bridge developers
 * License:           GPLv2 or later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       wp-portal-bridge
 * Domain Path:       /languages
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'WPPB_VERSION', '0.1.0' );
define( 'WPPB_PLUGIN_FILE', __FILE__ );
define( 'WPPB_PLUGIN_DIR', plugin_dir_path( __FILE__ ) );

require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-settings.php';
require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-jwt.php';
require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-roles.php';
require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-service.php';
require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-redirects.php';
require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-sso.php';
require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-clients-screen.php';
require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-plugin.php';

register_activation_hook( __FILE__, array( 'WPPB_Roles', 'activate' ) );

add_action( 'plugins_loaded', array( 'WPPB_Plugin', 'init' ) );
