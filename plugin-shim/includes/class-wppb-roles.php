<?php
/**
 * The client role and who counts as a client.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Creates the role the portal's users have, and recognizes those users.
 */
class WPPB_Roles {

	/**
	 * Role of the WordPress users the portal serves.
	 */
	const CLIENT_ROLE = 'ndpv_client_role';

	/**
	 * Runs on activation: adds the client role to the site, or to every site of the network.
	 *
	 * @since 0.1.0
	 *
	 * @param bool $network_wide Whether the plugin is being network-activated.
	 */
	public static function activate( $network_wide = false ) {
		if ( ! is_multisite() || ! $network_wide ) {
			self::add_client_role();

			return;
		}

		foreach ( get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) as $site_id ) {
			switch_to_blog( $site_id );
			self::add_client_role();
			restore_current_blog();
		}
	}

	/**
	 * Adds the client role when the site lacks it; an existing role is left as it is.
	 *
	 * @since 0.1.0
	 */
	public static function add_client_role() {
		if ( null !== get_role( self::CLIENT_ROLE ) ) {
			return;
		}

		add_role( self::CLIENT_ROLE, __( 'Client', 'wp-portal-bridge' ), array( 'read' => true ) );
	}

	/**
	 * Whether the user is a portal client and nothing more.
	 *
	 * A user who also can edit posts keeps wp-admin: redirecting them away
	 * would lock out a member of staff who was given the client role too.
	 *
	 * @since 0.1.0
	 *
	 * @param WP_User|null $user The user; null or a logged-out user is no client.
	 * @return bool
	 */
	public static function is_client( $user ) {
		$is_client = $user instanceof WP_User
			&& $user->exists()
			&& in_array( self::CLIENT_ROLE, (array) $user->roles, true )
			&& ! $user->has_cap( 'edit_posts' );

		/**
		 * Filters whether a user is treated as a portal client.
		 *
		 * @since 0.1.0
		 *
		 * @param bool         $is_client Whether the user is a client.
		 * @param WP_User|null $user      The user.
		 */
		return (bool) apply_filters( 'wppb_is_client', $is_client, $user );
	}
}
