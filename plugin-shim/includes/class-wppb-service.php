<?php
/**
 * Server-to-server calls to the portal service.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Forwards admin decisions to the portal service, which does the actual work.
 */
class WPPB_Service {

	/**
	 * Path of the portal access endpoint, below the service URL.
	 */
	const PORTAL_ACCESS_PATH = '/portal/api/admin/portal-access';

	/**
	 * Seconds to wait for the service.
	 */
	const TIMEOUT = 10;

	/**
	 * Turns a client's portal access on or off, or sends the invitation again.
	 *
	 * @since 0.1.0
	 *
	 * @param int  $client_id The person or organization post id.
	 * @param bool $enabled   The access the client should have.
	 * @param bool $resend    Whether to send the invitation again.
	 * @return array{ok: bool, message: string} What to tell the admin, translated.
	 */
	public static function set_portal_access( $client_id, $enabled, $resend = false ) {
		$body = array(
			'client_id' => (int) $client_id,
			'enabled'   => (bool) $enabled,
		);

		if ( $resend ) {
			$body['resend'] = true;
		}

		return self::post( self::PORTAL_ACCESS_PATH, $body );
	}

	/**
	 * Posts JSON to the service as the current user and reads its answer.
	 *
	 * @since 0.1.0
	 *
	 * @param string $path Path below the service URL.
	 * @param array  $body The JSON body.
	 * @return array{ok: bool, message: string}
	 */
	private static function post( $path, array $body ) {
		$service_url = WPPB_Settings::service_url();
		$secret      = WPPB_Settings::secret();

		if ( '' === $service_url || '' === $secret ) {
			return self::result(
				false,
				__(
					'Set the service URL and the shared secret under Settings first.',
					'wp-portal-bridge'
				)
			);
		}

		/**
		 * Filters the URL of a call to the portal service.
		 *
		 * @since 0.1.0
		 *
		 * @param string $url  The service URL followed by the endpoint's path.
		 * @param string $path The endpoint's path.
		 */
		$url   = apply_filters( 'wppb_service_request_url', $service_url . $path, $path );
		$token = WPPB_JWT::encode(
			WPPB_JWT::claims( get_current_user_id(), WPPB_JWT::AUDIENCE_ADMIN ),
			$secret
		);

		$response = wp_remote_post(
			$url,
			array(
				'timeout'     => self::TIMEOUT,
				'redirection' => 0,
				'headers'     => array(
					'Authorization' => 'Bearer ' . $token,
					'Content-Type'  => 'application/json',
					'Accept'        => 'application/json',
				),
				'body'        => wp_json_encode( $body ),
				'data_format' => 'body',
			)
		);

		if ( is_wp_error( $response ) && ( new WP_Http() )->block_request( $url ) ) {
			return self::result(
				false,
				sprintf(
					/* translators: 1: the service URL, 2: WP_HTTP_BLOCK_EXTERNAL, 3: localhost. */
					__(
						'The portal service at %1$s cannot be reached: %2$s blocks it; try %3$s.',
						'wp-portal-bridge'
					),
					$url,
					'WP_HTTP_BLOCK_EXTERNAL',
					'localhost'
				)
			);
		}

		if ( is_wp_error( $response ) ) {
			return self::result(
				false,
				sprintf(
					/* translators: 1: the service URL, 2: the error from the HTTP client. */
					__( 'The portal service at %1$s cannot be reached: %2$s', 'wp-portal-bridge' ),
					$url,
					$response->get_error_message()
				)
			);
		}

		return self::read_answer( $response );
	}

	/**
	 * Turns the service's HTTP answer into a message for the admin.
	 *
	 * @since 0.1.0
	 *
	 * @param array $response The answer from wp_remote_post().
	 * @return array{ok: bool, message: string}
	 */
	private static function read_answer( $response ) {
		$status = (int) wp_remote_retrieve_response_code( $response );
		$answer = json_decode( wp_remote_retrieve_body( $response ), true );
		$answer = is_array( $answer ) ? $answer : array();

		if ( $status >= 200 && $status < 300 && ! empty( $answer['ok'] ) ) {
			$message = isset( $answer['message'] ) && is_string( $answer['message'] )
				? $answer['message']
				: __( 'The portal service accepted the change.', 'wp-portal-bridge' );

			return self::result( true, $message );
		}

		if ( isset( $answer['error'] ) && is_string( $answer['error'] ) ) {
			return self::result(
				false,
				sprintf(
					/* translators: %s: the error message from the portal service. */
					__( 'The portal service refused: %s', 'wp-portal-bridge' ),
					$answer['error']
				)
			);
		}

		if ( $status >= 200 && $status < 300 ) {
			return self::result(
				false,
				__( 'The portal service sent an answer that cannot be read.', 'wp-portal-bridge' )
			);
		}

		return self::result(
			false,
			sprintf(
				/* translators: %d: an HTTP status code. */
				__( 'The portal service answered with HTTP status %d.', 'wp-portal-bridge' ),
				$status
			)
		);
	}

	/**
	 * Builds a result, as plain text of bounded length.
	 *
	 * @since 0.1.0
	 *
	 * @param bool   $ok      Whether the call succeeded.
	 * @param string $message What to tell the admin.
	 * @return array{ok: bool, message: string}
	 */
	private static function result( $ok, $message ) {
		return array(
			'ok'      => $ok,
			'message' => mb_substr( sanitize_text_field( $message ), 0, 500 ),
		);
	}
}
