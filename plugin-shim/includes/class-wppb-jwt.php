<?php
/**
 * A minimal JSON Web Token signer (HS256 only).
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Signs the short-lived tokens this site gives the portal service.
 *
 * WordPress ships no JWT library, and the plugin only ever signs (the service
 * verifies), so HS256 signing is all there is here.
 */
class WPPB_JWT {

	/**
	 * Lifetime of every token, in seconds.
	 */
	const LIFETIME = 60;

	/**
	 * Audience of the browser hand-off to the portal.
	 */
	const AUDIENCE_SSO = 'wp-portal-bridge-sso';

	/**
	 * Audience of the server-to-server admin calls.
	 */
	const AUDIENCE_ADMIN = 'wp-portal-bridge-admin';

	/**
	 * Returns the compact HS256 token for the given claims.
	 *
	 * @since 0.1.0
	 *
	 * @param array  $claims The payload.
	 * @param string $secret The shared secret.
	 * @return string
	 */
	public static function encode( array $claims, $secret ) {
		$header  = array(
			'alg' => 'HS256',
			'typ' => 'JWT',
		);
		$flags   = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE;
		$signing = self::base64url( wp_json_encode( $header, $flags ) ) . '.'
			. self::base64url( wp_json_encode( $claims, $flags ) );

		return $signing . '.' . self::base64url( hash_hmac( 'sha256', $signing, $secret, true ) );
	}

	/**
	 * Returns the standard claims of a token for one user and one audience.
	 *
	 * @since 0.1.0
	 *
	 * @param int    $user_id  The user the token speaks for.
	 * @param string $audience One of the AUDIENCE_* constants.
	 * @return array
	 */
	public static function claims( $user_id, $audience ) {
		$now = time();

		return array(
			'iss' => home_url(),
			'aud' => $audience,
			'sub' => (string) $user_id,
			'iat' => $now,
			'exp' => $now + self::LIFETIME,
			'jti' => wp_generate_uuid4(),
		);
	}

	/**
	 * Encodes bytes as unpadded base64url (RFC 7515, section 2).
	 *
	 * @since 0.1.0
	 *
	 * @param string $data Raw bytes.
	 * @return string
	 */
	private static function base64url( $data ) {
		return rtrim( strtr( base64_encode( $data ), '+/', '-_' ), '=' );
	}
}
