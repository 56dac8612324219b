<?php
/**
 * The "Client Portal" admin screen and the actions its buttons post.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Shows the clients and forwards each access change to the portal service.
 *
 * The screen changes nothing itself: the service creates or disables the
 * client's WordPress user, stores the access flag and sends the email.
 */
class WPPB_Clients_Screen {

	/**
	 * Slug of the screen.
	 */
	const PAGE = 'wppb-clients';

	/**
	 * The admin-post.php action that turns access on or off.
	 */
	const ACTION_ACCESS = 'wppb_portal_access';

	/**
	 * The admin-post.php action that sends the invitation again.
	 */
	const ACTION_RESEND = 'wppb_resend_invitation';

	/**
	 * Slug of Propovoice's own menu, which the screen joins when it exists.
	 */
	const PROPOVOICE_MENU = 'ndpv';

	/**
	 * How long a result waits to be shown, in seconds.
	 */
	const NOTICE_LIFETIME = 300;

	/**
	 * Hooks the screen and its actions into wp-admin.
	 *
	 * @since 0.1.0
	 */
	public static function register() {
		// Late, so that Propovoice's menu exists by then.
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ), 99 );
		add_action( 'admin_post_' . self::ACTION_ACCESS, array( __CLASS__, 'handle_access' ) );
		add_action( 'admin_post_' . self::ACTION_RESEND, array( __CLASS__, 'handle_resend' ) );
	}

	/**
	 * Returns the nonce action of one button of one client.
	 *
	 * @since 0.1.0
	 *
	 * @param string $action    One of the ACTION_* constants.
	 * @param int    $client_id The client's post id.
	 * @return string
	 */
	public static function nonce_action( $action, $client_id ) {
		return $action . '_' . (int) $client_id;
	}

	/**
	 * Returns the URL of the screen.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	public static function url() {
		return add_query_arg( 'page', self::PAGE, admin_url( 'admin.php' ) );
	}

	/**
	 * Adds the screen below Propovoice's menu, or as a menu of its own.
	 *
	 * @since 0.1.0
	 */
	public static function add_page() {
		global $admin_page_hooks;

		$title = __( 'Client Portal', 'wp-portal-bridge' );

		if ( isset( $admin_page_hooks[ self::PROPOVOICE_MENU ] ) ) {
			$hook = add_submenu_page(
				self::PROPOVOICE_MENU,
				$title,
				$title,
				'manage_options',
				self::PAGE,
				array( __CLASS__, 'render' )
			);
		} else {
			$hook = add_menu_page(
				$title,
				$title,
				'manage_options',
				self::PAGE,
				array( __CLASS__, 'render' ),
				'dashicons-groups',
				58
			);
		}

		if ( $hook ) {
			add_action( 'admin_print_styles-' . $hook, array( __CLASS__, 'print_styles' ) );
		}
	}

	/**
	 * Prints the few styles of the access toggle.
	 *
	 * @since 0.1.0
	 */
	public static function print_styles() {
		?>
		<style>
			.wppb-clients form { display: inline; margin: 0; }
			.wppb-clients .wppb-toggle { min-width: 4em; }
			.wppb-clients .column-type { width: 10em; }
		</style>
		<?php
	}

	/**
	 * Handles the access toggle of one client.
	 *
	 * @since 0.1.0
	 */
	public static function handle_access() {
		$client_id = self::checked_client_id( self::ACTION_ACCESS );
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked above.
		$enabled = isset( $_POST['enabled'] ) && '1' === $_POST['enabled'];

		self::forward( $client_id, $enabled, false );
	}

	/**
	 * Handles "Resend invitation" for one client.
	 *
	 * @since 0.1.0
	 */
	public static function handle_resend() {
		self::forward( self::checked_client_id( self::ACTION_RESEND ), true, true );
	}

	/**
	 * Checks the capability and the nonce of a posted action; returns its client id.
	 *
	 * @since 0.1.0
	 *
	 * @param string $action One of the ACTION_* constants.
	 * @return int
	 */
	private static function checked_client_id( $action ) {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die(
				esc_html__( 'You may not change client portal access.', 'wp-portal-bridge' ),
				esc_html__( 'Client Portal', 'wp-portal-bridge' ),
				array( 'response' => 403 )
			);
		}

		// The nonce is checked next; it names the client, so the id is needed first.
		// phpcs:ignore WordPress.Security.NonceVerification.Missing
		$client_id = isset( $_POST['client_id'] ) ? absint( $_POST['client_id'] ) : 0;

		check_admin_referer( self::nonce_action( $action, $client_id ) );

		return $client_id;
	}

	/**
	 * Asks the service for the change, keeps its answer for the screen, and goes back.
	 *
	 * @since 0.1.0
	 *
	 * @param int  $client_id The client's post id.
	 * @param bool $enabled   The access the client should have.
	 * @param bool $resend    Whether to send the invitation again.
	 */
	private static function forward( $client_id, $enabled, $resend ) {
		$type = get_post_type( $client_id );

		if ( ! in_array( $type, array( 'ndpv_person', 'ndpv_org' ), true ) ) {
			$result = array(
				'ok'      => false,
				'message' => __( 'That client does not exist.', 'wp-portal-bridge' ),
			);
		} else {
			$result = WPPB_Service::set_portal_access( $client_id, $enabled, $resend );
		}

		set_transient( self::notice_key(), $result, self::NOTICE_LIFETIME );

		$back = wp_get_referer();

		if ( ! $back || false === strpos( $back, 'page=' . self::PAGE ) ) {
			$back = self::url();
		}

		wp_safe_redirect( $back );
		exit;
	}

	/**
	 * Returns the name of the transient that carries the current user's last result.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	private static function notice_key() {
		return 'wppb_notice_' . get_current_user_id();
	}

	/**
	 * Prints, once, the result of the last action of the current user.
	 *
	 * @since 0.1.0
	 */
	private static function print_notice() {
		$result = get_transient( self::notice_key() );

		if ( ! is_array( $result ) || ! isset( $result['message'] ) ) {
			return;
		}

		delete_transient( self::notice_key() );

		printf(
			'<div class="notice %s is-dismissible"><p>%s</p></div>',
			empty( $result['ok'] ) ? 'notice-error' : 'notice-success',
			esc_html( $result['message'] )
		);
	}

	/**
	 * Prints a warning when the service cannot be called yet.
	 *
	 * @since 0.1.0
	 */
	private static function print_setup_warning() {
		if ( '' !== WPPB_Settings::service_url() && '' !== WPPB_Settings::secret() ) {
			return;
		}

		printf(
			'<div class="notice notice-warning"><p>%s <a href="%s">%s</a></p></div>',
			esc_html__( 'The portal service is not set up yet.', 'wp-portal-bridge' ),
			esc_url( WPPB_Settings::url() ),
			esc_html__( 'Open the Portal Bridge settings', 'wp-portal-bridge' )
		);
	}

	/**
	 * Prints the screen.
	 *
	 * @since 0.1.0
	 */
	public static function render() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}

		if ( ! class_exists( 'WP_List_Table' ) ) {
			require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
		}

		require_once WPPB_PLUGIN_DIR . 'includes/class-wppb-clients-table.php';

		$table = new WPPB_Clients_Table();
		$table->prepare_items();
		$search = WPPB_Clients_Table::search_term();
		?>
		<div class="wrap wppb-clients">
			<h1 class="wp-heading-inline">
				<?php esc_html_e( 'Client Portal', 'wp-portal-bridge' ); ?>
			</h1>
			<?php if ( '' !== $search ) : ?>
				<span class="subtitle">
					<?php
					printf(
						/* translators: %s: the search term. */
						esc_html__( 'Search results for: %s', 'wp-portal-bridge' ),
						'<strong>' . esc_html( $search ) . '</strong>'
					);
					?>
				</span>
			<?php endif; ?>
			<hr class="wp-header-end" />
			<?php
			self::print_setup_warning();
			self::print_notice();
			?>
			<p>
				<?php
				esc_html_e(
					'Turning access on makes the portal service create a login and email it.',
					'wp-portal-bridge'
				);
				?>
			</p>
			<form method="get" action="<?php echo esc_url( admin_url( 'admin.php' ) ); ?>">
				<input type="hidden" name="page" value="<?php echo esc_attr( self::PAGE ); ?>" />
				<?php
				$table->search_box(
					esc_html__( 'Search clients', 'wp-portal-bridge' ),
					'wppb-clients'
				);
				?>
			</form>
			<?php $table->display(); ?>
		</div>
		<?php
	}
}
