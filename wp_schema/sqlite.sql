-- WordPress core tables for SQLite, the same names, columns, defaults and indexes as
-- WordPress 6.1 creates on MySQL. Text that MySQL compares case-insensitively
-- (utf8mb4_unicode_520_ci) uses NOCASE here. {prefix} is the table prefix.

CREATE TABLE {prefix}users (
  ID integer PRIMARY KEY AUTOINCREMENT,
  user_login text NOT NULL DEFAULT '' COLLATE NOCASE,
  user_pass text NOT NULL DEFAULT '',
  user_nicename text NOT NULL DEFAULT '' COLLATE NOCASE,
  user_email text NOT NULL DEFAULT '' COLLATE NOCASE,
  user_url text NOT NULL DEFAULT '',
  user_registered text NOT NULL DEFAULT '0000-00-00 00:00:00',
  user_activation_key text NOT NULL DEFAULT '',
  user_status integer NOT NULL DEFAULT 0,
  display_name text NOT NULL DEFAULT ''
);
CREATE INDEX {prefix}users_user_login_key ON {prefix}users (user_login);
CREATE INDEX {prefix}users_user_nicename ON {prefix}users (user_nicename);
CREATE INDEX {prefix}users_user_email ON {prefix}users (user_email);

CREATE TABLE {prefix}usermeta (
  umeta_id integer PRIMARY KEY AUTOINCREMENT,
  user_id integer NOT NULL DEFAULT 0,
  meta_key text DEFAULT NULL COLLATE NOCASE,
  meta_value text
);
CREATE INDEX {prefix}usermeta_user_id ON {prefix}usermeta (user_id);
CREATE INDEX {prefix}usermeta_meta_key ON {prefix}usermeta (meta_key);

CREATE TABLE {prefix}termmeta (
  meta_id integer PRIMARY KEY AUTOINCREMENT,
  term_id integer NOT NULL DEFAULT 0,
  meta_key text DEFAULT NULL COLLATE NOCASE,
  meta_value text
);
CREATE INDEX {prefix}termmeta_term_id ON {prefix}termmeta (term_id);
CREATE INDEX {prefix}termmeta_meta_key ON {prefix}termmeta (meta_key);

CREATE TABLE {prefix}terms (
  term_id integer PRIMARY KEY AUTOINCREMENT,
  name text NOT NULL DEFAULT '' COLLATE NOCASE,
  slug text NOT NULL DEFAULT '' COLLATE NOCASE,
  term_group integer NOT NULL DEFAULT 0
);
CREATE INDEX {prefix}terms_slug ON {prefix}terms (slug);
CREATE INDEX {prefix}terms_name ON {prefix}terms (name);

CREATE TABLE {prefix}term_taxonomy (
  term_taxonomy_id integer PRIMARY KEY AUTOINCREMENT,
  term_id integer NOT NULL DEFAULT 0,
  taxonomy text NOT NULL DEFAULT '' COLLATE NOCASE,
  description text NOT NULL DEFAULT '',
  parent integer NOT NULL DEFAULT 0,
  count integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX {prefix}term_taxonomy_term_id_taxonomy
  ON {prefix}term_taxonomy (term_id, taxonomy);
CREATE INDEX {prefix}term_taxonomy_taxonomy ON {prefix}term_taxonomy (taxonomy);

CREATE TABLE {prefix}term_relationships (
  object_id integer NOT NULL DEFAULT 0,
  term_taxonomy_id integer NOT NULL DEFAULT 0,
  term_order integer NOT NULL DEFAULT 0,
  PRIMARY KEY (object_id, term_taxonomy_id)
);
CREATE INDEX {prefix}term_relationships_term_taxonomy_id
  ON {prefix}term_relationships (term_taxonomy_id);

CREATE TABLE {prefix}commentmeta (
  meta_id integer PRIMARY KEY AUTOINCREMENT,
  comment_id integer NOT NULL DEFAULT 0,
  meta_key text DEFAULT NULL COLLATE NOCASE,
  meta_value text
);
CREATE INDEX {prefix}commentmeta_comment_id ON {prefix}commentmeta (comment_id);
CREATE INDEX {prefix}commentmeta_meta_key ON {prefix}commentmeta (meta_key);

CREATE TABLE {prefix}comments (
  comment_ID integer PRIMARY KEY AUTOINCREMENT,
  comment_post_ID integer NOT NULL DEFAULT 0,
  comment_author text NOT NULL DEFAULT '',
  comment_author_email text NOT NULL DEFAULT '' COLLATE NOCASE,
  comment_author_url text NOT NULL DEFAULT '',
  comment_author_IP text NOT NULL DEFAULT '',
  comment_date text NOT NULL DEFAULT '0000-00-00 00:00:00',
  comment_date_gmt text NOT NULL DEFAULT '0000-00-00 00:00:00',
  comment_content text NOT NULL DEFAULT '',
  comment_karma integer NOT NULL DEFAULT 0,
  comment_approved text NOT NULL DEFAULT '1',
  comment_agent text NOT NULL DEFAULT '',
  comment_type text NOT NULL DEFAULT 'comment',
  comment_parent integer NOT NULL DEFAULT 0,
  user_id integer NOT NULL DEFAULT 0
);
CREATE INDEX {prefix}comments_comment_post_ID ON {prefix}comments (comment_post_ID);
CREATE INDEX {prefix}comments_comment_approved_date_gmt
  ON {prefix}comments (comment_approved, comment_date_gmt);
CREATE INDEX {prefix}comments_comment_date_gmt ON {prefix}comments (comment_date_gmt);
CREATE INDEX {prefix}comments_comment_parent ON {prefix}comments (comment_parent);
CREATE INDEX {prefix}comments_comment_author_email
  ON {prefix}comments (comment_author_email);

CREATE TABLE {prefix}links (
  link_id integer PRIMARY KEY AUTOINCREMENT,
  link_url text NOT NULL DEFAULT '',
  link_name text NOT NULL DEFAULT '',
  link_image text NOT NULL DEFAULT '',
  link_target text NOT NULL DEFAULT '',
  link_description text NOT NULL DEFAULT '',
  link_visible text NOT NULL DEFAULT 'Y',
  link_owner integer NOT NULL DEFAULT 1,
  link_rating integer NOT NULL DEFAULT 0,
  link_updated text NOT NULL DEFAULT '0000-00-00 00:00:00',
  link_rel text NOT NULL DEFAULT '',
  link_notes text NOT NULL DEFAULT '',
  link_rss text NOT NULL DEFAULT ''
);
CREATE INDEX {prefix}links_link_visible ON {prefix}links (link_visible);

CREATE TABLE {prefix}options (
  option_id integer PRIMARY KEY AUTOINCREMENT,
  option_name text NOT NULL DEFAULT '' COLLATE NOCASE,
  option_value text NOT NULL DEFAULT '',
  autoload text NOT NULL DEFAULT 'yes'
);
CREATE UNIQUE INDEX {prefix}options_option_name ON {prefix}options (option_name);
CREATE INDEX {prefix}options_autoload ON {prefix}options (autoload);

CREATE TABLE {prefix}postmeta (
  meta_id integer PRIMARY KEY AUTOINCREMENT,
  post_id integer NOT NULL DEFAULT 0,
  meta_key text DEFAULT NULL COLLATE NOCASE,
  meta_value text
);
CREATE INDEX {prefix}postmeta_post_id ON {prefix}postmeta (post_id);
CREATE INDEX {prefix}postmeta_meta_key ON {prefix}postmeta (meta_key);

CREATE TABLE {prefix}posts (
  ID integer PRIMARY KEY AUTOINCREMENT,
  post_author integer NOT NULL DEFAULT 0,
  post_date text NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_date_gmt text NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_content text NOT NULL DEFAULT '',
  post_title text NOT NULL DEFAULT '',
  post_excerpt text NOT NULL DEFAULT '',
  post_status text NOT NULL DEFAULT 'publish',
  comment_status text NOT NULL DEFAULT 'open',
  ping_status text NOT NULL DEFAULT 'open',
  post_password text NOT NULL DEFAULT '',
  post_name text NOT NULL DEFAULT '',
  to_ping text NOT NULL DEFAULT '',
  pinged text NOT NULL DEFAULT '',
  post_modified text NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_modified_gmt text NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_content_filtered text NOT NULL DEFAULT '',
  post_parent integer NOT NULL DEFAULT 0,
  guid text NOT NULL DEFAULT '',
  menu_order integer NOT NULL DEFAULT 0,
  post_type text NOT NULL DEFAULT 'post',
  post_mime_type text NOT NULL DEFAULT '',
  comment_count integer NOT NULL DEFAULT 0
);
CREATE INDEX {prefix}posts_post_name ON {prefix}posts (post_name);
CREATE INDEX {prefix}posts_type_status_date
  ON {prefix}posts (post_type, post_status, post_date, ID);
CREATE INDEX {prefix}posts_post_parent ON {prefix}posts (post_parent);
CREATE INDEX {prefix}posts_post_author ON {prefix}posts (post_author);
