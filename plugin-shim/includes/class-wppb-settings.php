<?php
/**
 * The plugin's settings: one option array and its page under Settings.
 *
 * @package WP_Portal_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Reads, sanitizes and edits the options `wppb_settings` and `wppb_org_projects_visible`.
 *
 * `wppb_settings` is an array with the keys `service_url`, `portal_url`, `secret` and
 * `redirect_clients`. The constant `WPPB_SECRET`, when defined in wp-config.php,
 * takes the place of the stored secret.
 *
 * `wppb_org_projects_visible` is its own option, `'1'` or `'0'`, because the portal
 * service reads it from the database: whether a person sees the projects of the
 * organization they belong to. Absent means on.
 */
class WPPB_Settings {

	/**
	 * Name of the option that holds every setting.
	 */
	const OPTION = 'wppb_settings';

	/**
	 * Name of the option that lets people see their organization's projects.
	 */
	const ORG_PROJECTS_OPTION = 'wppb_org_projects_visible';

	/**
	 * Stored values that mean "off", as the portal service reads a flag.
	 */
	const OFF_VALUES = array( '', '0', 'false', 'no', 'off', 'null' );

	/**
	 * Slug of the settings page and name of its settings group.
	 */
	const PAGE = 'wppb-settings';

	/**
	 * The shortest shared secret the settings page accepts.
	 */
	const MIN_SECRET_LENGTH = 32;

	/**
	 * Length of a secret made by the "Generate" button.
	 */
	const GENERATED_SECRET_LENGTH = 64;

	/**
	 * The URL schemes the settings accept.
	 */
	const PROTOCOLS = array( 'http', 'https' );

	/**
	 * The admin-post.php action of the "Generate" button.
	 */
	const ACTION_GENERATE = 'wppb_generate_secret';

	/**
	 * Returns the settings a fresh site starts with.
	 *
	 * @since 0.1.0
	 *
	 * @return array
	 */
	public static function defaults() {
		return array(
			'service_url'      => 'http://127.0.0.1:8000',
			'portal_url'       => '',
			'secret'           => '',
			'redirect_clients' => true,
		);
	}

	/**
	 * Returns all settings, with defaults for the missing ones.
	 *
	 * @since 0.1.0
	 *
	 * @return array
	 */
	public static function all() {
		$stored = get_option( self::OPTION, array() );

		if ( ! is_array( $stored ) ) {
			$stored = array();
		}

		return array_merge( self::defaults(), $stored );
	}

	/**
	 * Returns the internal URL of the portal service, without a trailing slash.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	public static function service_url() {
		$settings = self::all();

		return untrailingslashit( (string) $settings['service_url'] );
	}

	/**
	 * Returns the public URL of the portal, without a trailing slash.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	public static function portal_url() {
		$settings = self::all();

		return untrailingslashit( (string) $settings['portal_url'] );
	}

	/**
	 * Whether users with the client role are sent to the portal.
	 *
	 * @since 0.1.0
	 *
	 * @return bool
	 */
	public static function redirect_clients() {
		$settings = self::all();

		return (bool) $settings['redirect_clients'];
	}

	/**
	 * Whether people see the projects of the organization they belong to.
	 *
	 * Reads the option as the portal service does: absent is on; `'0'`, an empty
	 * string (a stored `false`) and words such as `off` are off.
	 *
	 * @since 0.1.0
	 *
	 * @return bool
	 */
	public static function org_projects_visible() {
		return self::is_on( get_option( self::ORG_PROJECTS_OPTION, '1' ) );
	}

	/**
	 * Reads a stored flag the way the portal service does.
	 *
	 * @since 0.1.0
	 *
	 * @param mixed $value The stored value.
	 * @return bool
	 */
	public static function is_on( $value ) {
		if ( is_string( $value ) ) {
			return ! in_array( strtolower( trim( $value ) ), self::OFF_VALUES, true );
		}

		return (bool) $value;
	}

	/**
	 * Whether the shared secret comes from the `WPPB_SECRET` constant.
	 *
	 * @since 0.1.0
	 *
	 * @return bool
	 */
	public static function secret_from_constant() {
		return defined( 'WPPB_SECRET' ) && is_string( WPPB_SECRET ) && '' !== WPPB_SECRET;
	}

	/**
	 * Returns the secret shared with the portal service; empty when none is set.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	public static function secret() {
		if ( self::secret_from_constant() ) {
			return WPPB_SECRET;
		}

		$settings = self::all();

		return (string) $settings['secret'];
	}

	/**
	 * Returns the URL of the settings page.
	 *
	 * @since 0.1.0
	 *
	 * @return string
	 */
	public static function url() {
		return add_query_arg( 'page', self::PAGE, admin_url( 'options-general.php' ) );
	}

	/**
	 * Hooks the settings page into wp-admin.
	 *
	 * @since 0.1.0
	 */
	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_action( 'admin_init', array( __CLASS__, 'register_fields' ) );
		add_action( 'admin_post_' . self::ACTION_GENERATE, array( __CLASS__, 'generate_secret' ) );
	}

	/**
	 * Adds Settings → Portal Bridge.
	 *
	 * @since 0.1.0
	 */
	public static function add_page() {
		add_options_page(
			__( 'Portal Bridge', 'wp-portal-bridge' ),
			__( 'Portal Bridge', 'wp-portal-bridge' ),
			'manage_options',
			self::PAGE,
			array( __CLASS__, 'render_page' )
		);
	}

	/**
	 * Declares the option, its section and its fields to the Settings API.
	 *
	 * @since 0.1.0
	 */
	public static function register_fields() {
		register_setting(
			self::PAGE,
			self::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( __CLASS__, 'sanitize' ),
				'default'           => self::defaults(),
				'show_in_rest'      => false,
			)
		);

		register_setting(
			self::PAGE,
			self::ORG_PROJECTS_OPTION,
			array(
				'type'              => 'string',
				'sanitize_callback' => array( __CLASS__, 'sanitize_flag' ),
				'default'           => '1',
				'show_in_rest'      => false,
			)
		);

		add_settings_section(
			'wppb_main',
			__( 'Portal service', 'wp-portal-bridge' ),
			array( __CLASS__, 'render_section' ),
			self::PAGE
		);

		$fields = array(
			'service_url'      => __( 'Service URL', 'wp-portal-bridge' ),
			'portal_url'       => __( 'Portal URL', 'wp-portal-bridge' ),
			'secret'           => __( 'Shared secret', 'wp-portal-bridge' ),
			'redirect_clients' => __( 'Send clients to the portal', 'wp-portal-bridge' ),
		);

		foreach ( $fields as $key => $title ) {
			$args = array( 'key' => $key );

			if ( 'redirect_clients' !== $key ) {
				$args['label_for'] = 'wppb-' . str_replace( '_', '-', $key );
			}

			add_settings_field(
				'wppb_' . $key,
				$title,
				array( __CLASS__, 'render_' . $key . '_field' ),
				self::PAGE,
				'wppb_main',
				$args
			);
		}

		add_settings_section(
			'wppb_clients',
			__( 'What clients see', 'wp-portal-bridge' ),
			array( __CLASS__, 'render_clients_section' ),
			self::PAGE
		);

		add_settings_field(
			'wppb_org_projects_visible',
			__( "People see their organization's projects", 'wp-portal-bridge' ),
			array( __CLASS__, 'render_org_projects_field' ),
			self::PAGE,
			'wppb_clients'
		);
	}

	/**
	 * Stores a new random secret, for the "Generate" button, and returns to the page.
	 *
	 * The button posts its own form, so that pressing Enter in another field saves
	 * the settings instead of replacing the secret.
	 *
	 * @since 0.1.0
	 */
	public static function generate_secret() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die(
				esc_html__( 'You may not change these settings.', 'wp-portal-bridge' ),
				esc_html__( 'Portal Bridge', 'wp-portal-bridge' ),
				array( 'response' => 403 )
			);
		}

		check_admin_referer( self::ACTION_GENERATE, 'wppb_generate_nonce' );

		if ( ! self::secret_from_constant() ) {
			// The sanitize callback sees the flag, makes the secret and reports it.
			$settings                    = self::all();
			$settings['generate_secret'] = 1;

			update_option( self::OPTION, $settings );
			set_transient( 'settings_errors', get_settings_errors(), 30 );
		}

		wp_safe_redirect( add_query_arg( 'settings-updated', 'true', self::url() ) );
		exit;
	}

	/**
	 * Cleans the submitted settings; a `generate_secret` flag asks for a new secret.
	 *
	 * @since 0.1.0
	 *
	 * @param mixed $input The submitted values.
	 * @return array The values to store.
	 */
	public static function sanitize( $input ) {
		$old   = self::all();
		$input = is_array( $input ) ? $input : array();
		$clean = array();

		foreach ( array( 'service_url', 'portal_url' ) as $key ) {
			$value = isset( $input[ $key ] ) ? trim( (string) $input[ $key ] ) : '';
			$url   = self::valid_url( $value ) ? esc_url_raw( $value, self::PROTOCOLS ) : '';

			if ( '' !== $value && '' === $url ) {
				self::add_error(
					'wppb_bad_' . $key,
					sprintf(
						/* translators: %s: the URL that was entered. */
						__( '"%s" is not a valid http or https URL.', 'wp-portal-bridge' ),
						$value
					)
				);
				$url = $old[ $key ];
			}

			$clean[ $key ] = untrailingslashit( $url );
		}

		$clean['redirect_clients'] = ! empty( $input['redirect_clients'] );
		$clean['secret']           = self::sanitize_secret( $input, (string) $old['secret'] );

		return $clean;
	}

	/**
	 * Cleans a checkbox option to `'1'` or `'0'`.
	 *
	 * The form sends `'0'` under a ticked checkbox's `'1'`; anything not a plain
	 * value, such as the null options.php passes for a missing field, is off.
	 *
	 * @since 0.1.0
	 *
	 * @param mixed $input The submitted value.
	 * @return string
	 */
	public static function sanitize_flag( $input ) {
		if ( ! is_scalar( $input ) ) {
			return '0';
		}

		return self::is_on( (string) $input ) ? '1' : '0';
	}

	/**
	 * Whether a value is an absolute http or https URL with a plausible host.
	 *
	 * @since 0.1.0
	 *
	 * @param string $value The value entered.
	 * @return bool
	 */
	private static function valid_url( $value ) {
		if ( ! preg_match( '#^https?://[^\s]+$#i', $value ) ) {
			return false;
		}

		$host = wp_parse_url( $value, PHP_URL_HOST );

		// A name or an IPv4 address, or an IPv6 address in brackets.
		$pattern = '/^[a-z0-9.\-]+$|^\[[0-9a-f:.]+\]$/i';

		return is_string( $host ) && (bool) preg_match( $pattern, $host );
	}

	/**
	 * Picks the secret to store: a generated one, the submitted one, or the old one.
	 *
	 * @since 0.1.0
	 *
	 * @param array  $input The submitted values.
	 * @param string $old   The secret stored so far.
	 * @return string
	 */
	private static function sanitize_secret( array $input, $old ) {
		if ( ! empty( $input['generate_secret'] ) ) {
			self::add_error(
				'wppb_secret_generated',
				__(
					'A new shared secret was generated. Give it to the portal service.',
					'wp-portal-bridge'
				),
				'success'
			);

			return wp_generate_password( self::GENERATED_SECRET_LENGTH, false );
		}

		if ( ! isset( $input['secret'] ) ) {
			return $old;
		}

		// Spaces are kept out on purpose: the secret is copied between config files.
		$secret = preg_replace( '/[^\x21-\x7e]/', '', (string) $input['secret'] );

		if ( '' !== $secret && strlen( $secret ) < self::MIN_SECRET_LENGTH ) {
			self::add_error(
				'wppb_short_secret',
				sprintf(
					/* translators: %d: the minimum number of characters. */
					__(
						'The secret was not changed: it needs at least %d characters.',
						'wp-portal-bridge'
					),
					self::MIN_SECRET_LENGTH
				)
			);

			return $old;
		}

		return $secret;
	}

	/**
	 * Reports a problem with the submitted settings, when the settings screen can show it.
	 *
	 * The sanitize callback also runs when code outside wp-admin updates the option,
	 * where the Settings API's message functions are not loaded.
	 *
	 * @since 0.1.0
	 *
	 * @param string $code    Identifier of the message.
	 * @param string $message The translated message.
	 * @param string $type    'error' or 'success'.
	 */
	private static function add_error( $code, $message, $type = 'error' ) {
		if ( function_exists( 'add_settings_error' ) ) {
			add_settings_error( self::OPTION, $code, $message, $type );
		}
	}

	/**
	 * Prints the settings page.
	 *
	 * @since 0.1.0
	 */
	public static function render_page() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		?>
		<div class="wrap">
			<h1><?php echo esc_html( get_admin_page_title() ); ?></h1>
			<form action="<?php echo esc_url( admin_url( 'options.php' ) ); ?>" method="post">
				<?php
				settings_fields( self::PAGE );
				do_settings_sections( self::PAGE );
				submit_button();
				?>
			</form>
			<form id="wppb-generate-secret" method="post"
				action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
				<input type="hidden" name="action"
					value="<?php echo esc_attr( self::ACTION_GENERATE ); ?>" />
				<?php wp_nonce_field( self::ACTION_GENERATE, 'wppb_generate_nonce' ); ?>
			</form>
		</div>
		<?php
	}

	/**
	 * Prints the introduction of the settings section.
	 *
	 * @since 0.1.0
	 */
	public static function render_section() {
		echo '<p>';
		esc_html_e(
			'The client portal is a separate service that reads this site\'s database.',
			'wp-portal-bridge'
		);
		echo ' ';
		esc_html_e(
			'Tell this site where to reach it and which secret both share.',
			'wp-portal-bridge'
		);
		echo '</p>';
	}

	/**
	 * Prints the service URL field, with a warning when WordPress would block it.
	 *
	 * @since 0.1.0
	 */
	public static function render_service_url_field() {
		$url = self::service_url();

		printf(
			'<input type="url" class="regular-text code" id="wppb-service-url" name="%s"'
			. ' value="%s" placeholder="http://127.0.0.1:8000" />',
			esc_attr( self::OPTION . '[service_url]' ),
			esc_attr( $url )
		);
		echo '<p class="description">';
		esc_html_e(
			'Where this server reaches the portal service (server-to-server calls).',
			'wp-portal-bridge'
		);
		echo '</p>';

		if ( '' !== $url && ( new WP_Http() )->block_request( $url ) ) {
			echo '<p class="description"><strong>';
			printf(
				/* translators: 1: WP_HTTP_BLOCK_EXTERNAL, 2: localhost, 3: WP_ACCESSIBLE_HOSTS. */
				esc_html__(
					'%1$s blocks this host: use %2$s or list the host in %3$s.',
					'wp-portal-bridge'
				),
				'<code>WP_HTTP_BLOCK_EXTERNAL</code>',
				'<code>localhost</code>',
				'<code>WP_ACCESSIBLE_HOSTS</code>'
			);
			echo '</strong></p>';
		}
	}

	/**
	 * Prints the portal URL field.
	 *
	 * @since 0.1.0
	 */
	public static function render_portal_url_field() {
		printf(
			'<input type="url" class="regular-text code" id="wppb-portal-url" name="%s" value="%s"'
			. ' placeholder="%s" />',
			esc_attr( self::OPTION . '[portal_url]' ),
			esc_attr( self::portal_url() ),
			esc_attr( home_url( '/portal' ) )
		);
		echo '<p class="description">';
		esc_html_e( 'The address clients open in their browser.', 'wp-portal-bridge' );
		echo ' ';
		esc_html_e( 'Leave it empty to keep clients on this site.', 'wp-portal-bridge' );
		echo '</p>';
	}

	/**
	 * Prints the shared secret field, or says that wp-config.php sets it.
	 *
	 * @since 0.1.0
	 */
	public static function render_secret_field() {
		if ( self::secret_from_constant() ) {
			printf(
				'<input type="text" class="regular-text" id="wppb-secret" value="%s" disabled />',
				esc_attr__( 'Set by constant', 'wp-portal-bridge' )
			);
			echo '<p class="description">';
			printf(
				/* translators: %s: WPPB_SECRET */
				esc_html__(
					'The %s constant in wp-config.php sets the secret.',
					'wp-portal-bridge'
				),
				'<code>WPPB_SECRET</code>'
			);
			echo '</p>';

			return;
		}

		$settings = self::all();

		printf(
			'<input type="text" class="regular-text code" id="wppb-secret" name="%s" value="%s"'
			. ' autocomplete="off" spellcheck="false" /> ',
			esc_attr( self::OPTION . '[secret]' ),
			esc_attr( $settings['secret'] )
		);

		$confirm = '';

		if ( '' !== $settings['secret'] ) {
			$question = __(
				'Replace the current secret? The portal service must get the new one.',
				'wp-portal-bridge'
			);
			$confirm  = ' onclick="return window.confirm(\'' . esc_js( $question ) . '\');"';
		}

		printf(
			'<button type="submit" class="button" form="wppb-generate-secret"%s>%s</button>',
			// phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped above.
			$confirm,
			esc_html__( 'Generate', 'wp-portal-bridge' )
		);
		echo '<p class="description">';
		printf(
			/* translators: %d: the minimum number of characters. */
			esc_html__( 'At least %d characters.', 'wp-portal-bridge' ),
			(int) self::MIN_SECRET_LENGTH
		);
		echo ' ';
		printf(
			/* translators: 1: BRIDGE_SECRET, 2: WPPB_SECRET */
			esc_html__(
				'Give the service the same value as %1$s; or define %2$s in wp-config.php.',
				'wp-portal-bridge'
			),
			'<code>BRIDGE_SECRET</code>',
			'<code>WPPB_SECRET</code>'
		);
		echo '</p>';
	}

	/**
	 * Prints the checkbox that sends clients to the portal.
	 *
	 * @since 0.1.0
	 */
	public static function render_redirect_clients_field() {
		printf(
			'<label><input type="checkbox" name="%s" value="1" %s /> %s</label>',
			esc_attr( self::OPTION . '[redirect_clients]' ),
			checked( self::redirect_clients(), true, false ),
			esc_html__(
				'After login, and away from the dashboard, send clients to the portal',
				'wp-portal-bridge'
			)
		);
	}

	/**
	 * Prints the introduction of the section about what clients see.
	 *
	 * @since 0.1.0
	 */
	public static function render_clients_section() {
		echo '<p>';
		esc_html_e(
			'Which tasks, notes and files clients see is set per project, in the portal.',
			'wp-portal-bridge'
		);
		echo '</p>';
	}

	/**
	 * Prints the checkbox that shows an organization's projects to its people.
	 *
	 * @since 0.1.0
	 */
	public static function render_org_projects_field() {
		printf(
			'<input type="hidden" name="%1$s" value="0" />'
			. '<label><input type="checkbox" name="%1$s" value="1" %2$s /> %3$s</label>',
			esc_attr( self::ORG_PROJECTS_OPTION ),
			checked( self::org_projects_visible(), true, false ),
			esc_html__(
				'A person who belongs to a client organization also sees its projects',
				'wp-portal-bridge'
			)
		);
	}
}
