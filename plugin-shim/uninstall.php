<?php
/**
 * Removes the plugin's settings when the plugin is deleted.
 *
 * The `ndpv_client_role` role stays: the portal's client users still have it,
 * and the CRM (Propovoice) uses the same role.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

/**
 * Deletes the options of the current site.
 *
 * Transients named wppb_notice_* only live for minutes and expire by themselves.
 */
function wppb_uninstall_site() {
	delete_option( 'wppb_settings' );
	delete_option( 'wppb_org_projects_visible' );
}

if ( is_multisite() ) {
	foreach ( get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) as $wppb_site_id ) {
		switch_to_blog( $wppb_site_id );
		wppb_uninstall_site();
		restore_current_blog();
	}
} else {
	wppb_uninstall_site();
}
