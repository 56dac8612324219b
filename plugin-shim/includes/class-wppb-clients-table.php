<?php
/**
 * The list of clients on the Client Portal screen.
 *
 * Loaded only on that screen, after WP_List_Table.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Lists CRM contacts marked as clients, with their portal access and WordPress user.
 *
 * Reading the list takes a fixed number of queries whatever its length: one count,
 * one page of posts, their meta, and the users that share their email addresses.
 */
class WPPB_Clients_Table extends WP_List_Table {

	/**
	 * Rows on one page.
	 */
	const PER_PAGE = 20;

	/**
	 * The CRM post types that can be clients, with their labels' keys.
	 */
	const POST_TYPES = array( 'ndpv_person', 'ndpv_org' );

	/**
	 * Users of this page's rows, keyed by lowercased email address.
	 *
	 * @var WP_User[]
	 */
	private $users = array();

	/**
	 * Sets up the table.
	 *
	 * @since 0.1.0
	 */
	public function __construct() {
		parent::__construct(
			array(
				'singular' => 'wppb_client',
				'plural'   => 'wppb_clients',
				'ajax'     => false,
			)
		);
	}

	/**
	 * Returns the columns, keyed by name.
	 *
	 * @since 0.1.0
	 *
	 * @return string[]
	 */
	public function get_columns() {
		return array(
			'name'       => __( 'Name', 'wp-portal-bridge' ),
			'type'       => __( 'Type', 'wp-portal-bridge' ),
			'email'      => __( 'Email', 'wp-portal-bridge' ),
			'user'       => __( 'WordPress user', 'wp-portal-bridge' ),
			'access'     => __( 'Client Portal Access', 'wp-portal-bridge' ),
			'invitation' => __( 'Invitation', 'wp-portal-bridge' ),
		);
	}

	/**
	 * Loads one page of clients, filtered by the search term.
	 *
	 * @since 0.1.0
	 */
	public function prepare_items() {
		$search = self::search_term();
		$total  = $this->count_clients( $search );

		$this->items           = $this->find_clients( $search, $this->get_pagenum() );
		$this->_column_headers = array( $this->get_columns(), array(), array(), 'name' );

		$this->load_meta_and_users();
		$this->set_pagination_args(
			array(
				'total_items' => $total,
				'per_page'    => self::PER_PAGE,
				'total_pages' => (int) ceil( $total / self::PER_PAGE ),
			)
		);
	}

	/**
	 * Returns the search term of the request, or ''.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	public static function search_term() {
		// A search changes nothing, so its GET form carries no nonce.
		// phpcs:disable WordPress.Security.NonceVerification.Recommended
		if ( ! isset( $_REQUEST['s'] ) || ! is_string( $_REQUEST['s'] ) ) {
			return '';
		}

		$search = trim( sanitize_text_field( wp_unslash( $_REQUEST['s'] ) ) );
		// phpcs:enable

		return $search;
	}

	/**
	 * Returns the shared FROM and WHERE clauses of both queries, prepared.
	 *
	 * @since 0.1.0
	 *
	 * @param string $search Term to find in the name or the email address; '' for all.
	 * @return string
	 */
	private function from_where( $search ) {
		global $wpdb;

		$sql = $wpdb->prepare(
			"FROM {$wpdb->posts} AS p
			INNER JOIN {$wpdb->postmeta} AS c
				ON c.post_id = p.ID AND c.meta_key = %s AND c.meta_value = %s
			LEFT JOIN {$wpdb->postmeta} AS e
				ON e.post_id = p.ID AND e.meta_key = %s
			WHERE p.post_type IN (%s, %s) AND p.post_status = %s",
			'is_client',
			'1',
			'email',
			self::POST_TYPES[0],
			self::POST_TYPES[1],
			'publish'
		);

		if ( '' !== $search ) {
			$like = '%' . $wpdb->esc_like( $search ) . '%';
			$sql .= $wpdb->prepare(
				' AND (p.post_title LIKE %s OR e.meta_value LIKE %s)',
				$like,
				$like
			);
		}

		return $sql;
	}

	/**
	 * Counts the clients that match the search.
	 *
	 * @since 0.1.0
	 *
	 * @param string $search Term to find; '' for all.
	 * @return int
	 */
	private function count_clients( $search ) {
		global $wpdb;

		$sql = 'SELECT COUNT(DISTINCT p.ID) ' . $this->from_where( $search );

		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- from_where() is prepared.
		return (int) $wpdb->get_var( $sql );
	}

	/**
	 * Returns one page of clients that match the search, ordered by name.
	 *
	 * @since 0.1.0
	 *
	 * @param string $search Term to find; '' for all.
	 * @param int    $page   Page number, from 1.
	 * @return object[] Rows with ID, post_title and post_type.
	 */
	private function find_clients( $search, $page ) {
		global $wpdb;

		$sql = 'SELECT DISTINCT p.ID, p.post_title, p.post_type ' . $this->from_where( $search )
			. $wpdb->prepare(
				' ORDER BY p.post_title ASC, p.ID ASC LIMIT %d OFFSET %d',
				self::PER_PAGE,
				( max( 1, (int) $page ) - 1 ) * self::PER_PAGE
			);

		// phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- every part is prepared above.
		return (array) $wpdb->get_results( $sql );
	}

	/**
	 * Loads the meta of this page's clients and the users with their email addresses.
	 *
	 * @since 0.1.0
	 */
	private function load_meta_and_users() {
		global $wpdb;

		if ( empty( $this->items ) ) {
			return;
		}

		update_meta_cache( 'post', wp_list_pluck( $this->items, 'ID' ) );

		$emails = array();

		foreach ( $this->items as $item ) {
			$email = $this->email( $item );

			if ( '' !== $email ) {
				$emails[ strtolower( $email ) ] = $email;
			}
		}

		if ( empty( $emails ) ) {
			return;
		}

		$placeholders = implode( ', ', array_fill( 0, count( $emails ), '%s' ) );
		$user_ids     = $wpdb->get_col(
			$wpdb->prepare(
				// phpcs:ignore WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare
				"SELECT ID FROM {$wpdb->users} WHERE user_email IN ($placeholders)",
				array_values( $emails )
			)
		);

		cache_users( array_map( 'intval', $user_ids ) );

		foreach ( $user_ids as $user_id ) {
			$user = get_userdata( (int) $user_id );

			if ( $user ) {
				$this->users[ strtolower( $user->user_email ) ] = $user;
			}
		}
	}

	/**
	 * Returns a client's email address from the CRM, or ''.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	private function email( $item ) {
		return trim( (string) get_post_meta( (int) $item->ID, 'email', true ) );
	}

	/**
	 * Whether the client's Client Portal Access is on.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return bool
	 */
	private function has_access( $item ) {
		return wp_validate_boolean( get_post_meta( (int) $item->ID, 'client_portal', true ) );
	}

	/**
	 * Returns the client's name, or a placeholder when the CRM has none.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	private function name( $item ) {
		$name = trim( (string) $item->post_title );

		return '' !== $name ? $name : __( '(no name)', 'wp-portal-bridge' );
	}

	/**
	 * Says that there are no clients to show.
	 *
	 * @since 0.1.0
	 */
	public function no_items() {
		esc_html_e( 'No clients found.', 'wp-portal-bridge' );
	}

	/**
	 * Prints the name column.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	public function column_name( $item ) {
		return '<strong>' . esc_html( $this->name( $item ) ) . '</strong>';
	}

	/**
	 * Prints the type column: person or organization.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	public function column_type( $item ) {
		if ( 'ndpv_org' === $item->post_type ) {
			return esc_html__( 'Organization', 'wp-portal-bridge' );
		}

		return esc_html__( 'Person', 'wp-portal-bridge' );
	}

	/**
	 * Prints the email column.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	public function column_email( $item ) {
		$email = $this->email( $item );

		if ( '' === $email ) {
			return '<span aria-hidden="true">&#8212;</span><span class="screen-reader-text">'
				. esc_html__( 'No email address', 'wp-portal-bridge' ) . '</span>';
		}

		return sprintf( '<a href="%s">%s</a>', esc_url( 'mailto:' . $email ), esc_html( $email ) );
	}

	/**
	 * Prints the WordPress user that has the client's email address, and its roles.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	public function column_user( $item ) {
		$key = strtolower( $this->email( $item ) );

		if ( '' === $key || ! isset( $this->users[ $key ] ) ) {
			return esc_html__( 'None', 'wp-portal-bridge' );
		}

		$user  = $this->users[ $key ];
		$names = wp_roles()->get_names();
		$roles = array();

		foreach ( (array) $user->roles as $role ) {
			$roles[] = isset( $names[ $role ] ) ? translate_user_role( $names[ $role ] ) : $role;
		}

		$link = get_edit_user_link( $user->ID );
		$html = $link
			? sprintf( '<a href="%s">%s</a>', esc_url( $link ), esc_html( $user->user_login ) )
			: esc_html( $user->user_login );

		$html .= '<br />' . esc_html(
			empty( $roles ) ? __( 'No role', 'wp-portal-bridge' ) : implode( ', ', $roles )
		);

		if ( ! in_array( WPPB_Roles::CLIENT_ROLE, (array) $user->roles, true ) ) {
			$html .= '<br /><em>' . esc_html__( 'Not a client account', 'wp-portal-bridge' )
				. '</em>';
		}

		return $html;
	}

	/**
	 * Prints the Client Portal Access toggle: a button that posts the opposite state.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	public function column_access( $item ) {
		$on    = $this->has_access( $item );
		$label = sprintf(
			/* translators: %s: the client's name. */
			__( 'Client Portal Access for %s', 'wp-portal-bridge' ),
			$this->name( $item )
		);

		$button = sprintf(
			'<button type="submit" class="button wppb-toggle%s" aria-pressed="%s" aria-label="%s">'
			. '%s</button>',
			$on ? ' button-primary' : '',
			$on ? 'true' : 'false',
			esc_attr( $label ),
			$on ? esc_html__( 'On', 'wp-portal-bridge' ) : esc_html__( 'Off', 'wp-portal-bridge' )
		);

		return $this->action_form(
			WPPB_Clients_Screen::ACTION_ACCESS,
			(int) $item->ID,
			array( 'enabled' => $on ? '0' : '1' ),
			$button
		);
	}

	/**
	 * Prints the "Resend invitation" button for clients whose access is on.
	 *
	 * @since 0.1.0
	 *
	 * @param object $item The row.
	 * @return string
	 */
	public function column_invitation( $item ) {
		if ( ! $this->has_access( $item ) ) {
			return '<span aria-hidden="true">&#8212;</span>';
		}

		$label = sprintf(
			/* translators: %s: the client's name. */
			__( 'Resend the invitation to %s', 'wp-portal-bridge' ),
			$this->name( $item )
		);

		$button = sprintf(
			'<button type="submit" class="button button-link" aria-label="%s">%s</button>',
			esc_attr( $label ),
			esc_html__( 'Resend invitation', 'wp-portal-bridge' )
		);

		return $this->action_form(
			WPPB_Clients_Screen::ACTION_RESEND,
			(int) $item->ID,
			array(),
			$button
		);
	}

	/**
	 * Wraps a button in a form that posts one action for one client to admin-post.php.
	 *
	 * @since 0.1.0
	 *
	 * @param string $action    The admin-post.php action.
	 * @param int    $client_id The client's post id.
	 * @param array  $fields    More hidden fields, name => value.
	 * @param string $button    The button's HTML, already escaped.
	 * @return string
	 */
	private function action_form( $action, $client_id, array $fields, $button ) {
		$nonce  = wp_create_nonce( WPPB_Clients_Screen::nonce_action( $action, $client_id ) );
		$fields = array_merge(
			array(
				'action'    => $action,
				'client_id' => $client_id,
				'_wpnonce'  => $nonce,
			),
			$fields
		);

		$html = sprintf(
			'<form method="post" action="%s">',
			esc_url( admin_url( 'admin-post.php' ) )
		);

		foreach ( $fields as $name => $value ) {
			$html .= sprintf(
				'<input type="hidden" name="%s" value="%s" />',
				esc_attr( $name ),
				esc_attr( (string) $value )
			);
		}

		return $html . wp_referer_field( false ) . $button . '</form>';
	}
}
