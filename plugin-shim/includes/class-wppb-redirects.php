<?php
/**
 * Keeps portal clients in the portal rather than in wp-admin.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Sends clients to the portal after login and away from wp-admin.
 */
class WPPB_Redirects {

	/**
	 * Hooks the redirects into WordPress.
	 *
	 * @since 0.1.0
	 */
	public static function register() {
		add_filter( 'login_redirect', array( __CLASS__, 'login_redirect' ), 10, 3 );
		add_action( 'admin_init', array( __CLASS__, 'leave_admin' ), 1 );
		add_filter( 'show_admin_bar', array( __CLASS__, 'show_admin_bar' ) );
		add_filter( 'allowed_redirect_hosts', array( __CLASS__, 'allowed_redirect_hosts' ) );
	}

	/**
	 * Whether clients are to be redirected at all.
	 *
	 * @since 0.1.0
	 *
	 * @return bool
	 */
	private static function enabled() {
		return WPPB_Settings::redirect_clients() && '' !== WPPB_Settings::portal_url();
	}

	/**
	 * Sends a client to the portal after login, unless they asked for the portal already.
	 *
	 * Anyone who asked for a portal page that cannot see this site's cookie is sent
	 * through the hand-off, or the portal would only send them back to log in.
	 *
	 * @since 0.1.0
	 *
	 * @param string           $redirect_to           Where WordPress would send the user.
	 * @param string           $requested_redirect_to The redirect_to the login form received.
	 * @param WP_User|WP_Error $user                  The user, or the login error.
	 * @return string
	 */
	public static function login_redirect( $redirect_to, $requested_redirect_to, $user ) {
		if ( ! $user instanceof WP_User ) {
			return $redirect_to;
		}

		$requested = (string) $requested_redirect_to;

		if ( self::is_portal_url( $requested ) ) {
			if ( WPPB_SSO::portal_shares_cookies() ) {
				return $redirect_to;
			}

			return WPPB_SSO::url( WPPB_SSO::sanitize_next( $requested ) );
		}

		if ( ! self::enabled() || ! WPPB_Roles::is_client( $user ) ) {
			return $redirect_to;
		}

		if ( WPPB_SSO::is_hand_off_url( $requested ) ) {
			return $redirect_to;
		}

		return WPPB_SSO::entry_url();
	}

	/**
	 * Redirects a client who opens wp-admin to the portal.
	 *
	 * Ajax, admin-post.php (which serves the hand-off) and cron are left alone.
	 *
	 * @since 0.1.0
	 */
	public static function leave_admin() {
		global $pagenow;

		if ( ! self::enabled() || wp_doing_ajax() || wp_doing_cron() ) {
			return;
		}

		if ( 'admin-post.php' === $pagenow || ! WPPB_Roles::is_client( wp_get_current_user() ) ) {
			return;
		}

		wp_safe_redirect( WPPB_SSO::entry_url() );
		exit;
	}

	/**
	 * Hides the toolbar from clients.
	 *
	 * @since 0.1.0
	 *
	 * @param bool $show Whether WordPress would show the toolbar.
	 * @return bool
	 */
	public static function show_admin_bar( $show ) {
		if ( is_user_logged_in() && WPPB_Roles::is_client( wp_get_current_user() ) ) {
			return false;
		}

		return $show;
	}

	/**
	 * Lets wp_safe_redirect() go to the portal's host.
	 *
	 * @since 0.1.0
	 *
	 * @param string[] $hosts The hosts WordPress allows.
	 * @return string[]
	 */
	public static function allowed_redirect_hosts( $hosts ) {
		$host = wp_parse_url( WPPB_Settings::portal_url(), PHP_URL_HOST );

		if ( is_string( $host ) && '' !== $host ) {
			$hosts[] = $host;
		}

		return $hosts;
	}

	/**
	 * Whether a URL is the portal or a page within it.
	 *
	 * @since 0.1.0
	 *
	 * @param string $url The URL to check.
	 * @return bool
	 */
	private static function is_portal_url( $url ) {
		$portal_url = WPPB_Settings::portal_url();

		if ( '' === $portal_url || 0 !== strpos( $url, $portal_url ) ) {
			return false;
		}

		$rest = substr( $url, strlen( $portal_url ) );

		return '' === $rest || false !== strpos( '/?#', $rest[0] );
	}
}
