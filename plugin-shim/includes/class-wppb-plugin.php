<?php
/**
 * Wires the plugin's parts to WordPress hooks.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Bootstrap: loads translations and registers every hook in one place.
 */
class WPPB_Plugin {

	/**
	 * Registers the hooks of all parts.
	 *
	 * @since 0.1.0
	 */
	public static function init() {
		load_plugin_textdomain(
			'wp-portal-bridge',
			false,
			dirname( plugin_basename( WPPB_PLUGIN_FILE ) ) . '/languages'
		);

		WPPB_Redirects::register();
		WPPB_SSO::register();

		if ( is_admin() ) {
			WPPB_Settings::register();
			WPPB_Clients_Screen::register();
			add_filter(
				'plugin_action_links_' . plugin_basename( WPPB_PLUGIN_FILE ),
				array( __CLASS__, 'action_links' )
			);
		}
	}

	/**
	 * Adds a "Settings" link to the plugin's row on the Plugins screen.
	 *
	 * @since 0.1.0
	 *
	 * @param string[] $links The row's links.
	 * @return string[]
	 */
	public static function action_links( $links ) {
		array_unshift(
			$links,
			sprintf(
				'<a href="%s">%s</a>',
				esc_url( WPPB_Settings::url() ),
				esc_html__( 'Settings', 'wp-portal-bridge' )
			)
		);

		return $links;
	}
}
