<?php
/**
 * The signed hand-off from this site to the portal.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Sends a logged-in user to the portal with a short-lived token that names them.
 *
 * The hand-off lives at wp-admin/admin-post.php?action=wppb_sso. The portal
 * checks the token, and the hash of the session token inside it ties the portal's
 * own session to this WordPress session, so logging out here ends both.
 */
class WPPB_SSO {

	/**
	 * The admin-post.php action of the hand-off.
	 */
	const ACTION = 'wppb_sso';

	/**
	 * Longest `redirect_to` path passed on to the portal.
	 */
	const MAX_NEXT_LENGTH = 2000;

	/**
	 * Hooks the hand-off into admin-post.php.
	 *
	 * @since 0.1.0
	 */
	public static function register() {
		add_action( 'admin_post_' . self::ACTION, array( __CLASS__, 'hand_off' ) );
		add_action( 'admin_post_nopriv_' . self::ACTION, array( __CLASS__, 'ask_to_log_in' ) );
	}

	/**
	 * Returns the URL of the hand-off.
	 *
	 * @since 0.1.0
	 *
	 * @param string $next Optional path within the portal to land on.
	 * @return string
	 */
	public static function url( $next = '' ) {
		$args = array( 'action' => self::ACTION );

		if ( '' !== $next ) {
			$args['redirect_to'] = rawurlencode( $next );
		}

		return add_query_arg( $args, admin_url( 'admin-post.php' ) );
	}

	/**
	 * Whether a URL is the hand-off on this site.
	 *
	 * @since 0.1.0
	 *
	 * @param string $url The URL to check.
	 * @return bool
	 */
	public static function is_hand_off_url( $url ) {
		$base = admin_url( 'admin-post.php' );

		if ( 0 !== strpos( (string) $url, $base . '?' ) ) {
			return false;
		}

		wp_parse_str( (string) wp_parse_url( $url, PHP_URL_QUERY ), $query );

		return isset( $query['action'] ) && self::ACTION === $query['action'];
	}

	/**
	 * Whether the browser sends this site's login cookie to the portal as well.
	 *
	 * That is so when the portal is on the same host, below the cookie path.
	 * Otherwise the portal needs the signed hand-off to learn who the user is.
	 *
	 * @since 0.1.0
	 *
	 * @return bool
	 */
	public static function portal_shares_cookies() {
		$portal = wp_parse_url( WPPB_Settings::portal_url() );
		$home   = wp_parse_url( home_url() );

		$shares = isset( $portal['host'], $home['host'] )
			&& strtolower( $portal['host'] ) === strtolower( $home['host'] )
			&& 0 === strpos( trailingslashit( $portal['path'] ?? '' ), COOKIEPATH );

		/**
		 * Filters whether clients can go to the portal directly, without the hand-off.
		 *
		 * @since 0.1.0
		 *
		 * @param bool $shares Whether the portal sees this site's login cookie.
		 */
		return (bool) apply_filters( 'wppb_portal_shares_cookies', $shares );
	}

	/**
	 * Returns where to send a logged-in client: the portal, or the hand-off to it.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	public static function entry_url() {
		return self::portal_shares_cookies() ? WPPB_Settings::portal_url() . '/' : self::url();
	}

	/**
	 * Sends an anonymous visitor to the login form, which brings them back here.
	 *
	 * @since 0.1.0
	 */
	public static function ask_to_log_in() {
		wp_safe_redirect( wp_login_url( self::url( self::requested_next() ) ) );
		exit;
	}

	/**
	 * Signs the hand-off token for the current user and redirects to the portal.
	 *
	 * @since 0.1.0
	 */
	public static function hand_off() {
		$portal_url = WPPB_Settings::portal_url();
		$secret     = WPPB_Settings::secret();

		if ( '' === $portal_url || '' === $secret ) {
			wp_die(
				esc_html__( 'The client portal is not set up yet.', 'wp-portal-bridge' ),
				esc_html__( 'Client Portal', 'wp-portal-bridge' ),
				array(
					'response'  => 503,
					'back_link' => true,
				)
			);
		}

		$session_token = wp_get_session_token();

		if ( '' === $session_token ) {
			wp_die(
				esc_html__( 'Log in with your password to open the portal.', 'wp-portal-bridge' ),
				esc_html__( 'Client Portal', 'wp-portal-bridge' ),
				array( 'response' => 403 )
			);
		}

		$claims        = WPPB_JWT::claims( get_current_user_id(), WPPB_JWT::AUDIENCE_SSO );
		$claims['sth'] = hash( 'sha256', $session_token );

		$token    = WPPB_JWT::encode( $claims, $secret );
		$location = $portal_url . '/sso?token=' . rawurlencode( $token );
		$next     = self::requested_next();

		if ( '' !== $next ) {
			$location .= '&next=' . rawurlencode( $next );
		}

		wp_safe_redirect( $location, 302, 'WP Portal Bridge' );
		exit;
	}

	/**
	 * Returns the `redirect_to` query argument as a path within the portal, or ''.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	private static function requested_next() {
		// The hand-off is a plain link that changes nothing, so it carries no nonce.
		// phpcs:disable WordPress.Security.NonceVerification.Recommended
		if ( ! isset( $_GET['redirect_to'] ) || ! is_string( $_GET['redirect_to'] ) ) {
			return '';
		}

		// phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
		$next = self::sanitize_next( wp_unslash( $_GET['redirect_to'] ) );
		// phpcs:enable

		return $next;
	}

	/**
	 * Reduces a requested destination to a path within the portal, or ''.
	 *
	 * Accepts a path such as /invoices/12 or a full URL below the portal URL, and
	 * never anything that a browser could read as another host.
	 *
	 * @since 0.1.0
	 *
	 * @param string $next The requested destination.
	 * @return string A path starting with a single '/', or '' when unusable.
	 */
	public static function sanitize_next( $next ) {
		$portal_url = WPPB_Settings::portal_url();

		if ( '' !== $portal_url && 0 === strpos( $next, $portal_url . '/' ) ) {
			$next = substr( $next, strlen( $portal_url ) );
		}

		// Control characters, spaces and backslashes have no place in the path.
		$next = preg_replace( '/[\x00-\x20\x7f\\\\]/', '', $next );

		if ( strlen( $next ) > self::MAX_NEXT_LENGTH || ! preg_match( '#^/(?!/)#', $next ) ) {
			return '';
		}

		return $next;
	}
}
