CREATE TABLE `attachments` (
	`user_id` text NOT NULL,
	`message_id` text NOT NULL,
	`attachment_id` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`disposition` text NOT NULL,
	`content_id` text,
	`size` integer NOT NULL,
	`blob_key` text NOT NULL,
	PRIMARY KEY(`user_id`, `message_id`, `attachment_id`)
);
--> statement-breakpoint
CREATE TABLE `folders` (
	`user_id` text NOT NULL,
	`folder_id` text NOT NULL,
	`name` text NOT NULL,
	`role` text,
	`total` integer DEFAULT 0 NOT NULL,
	`unread` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `folder_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `folders_by_role` ON `folders` (`user_id`,`role`) WHERE role IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `folders_by_name` ON `folders` (`user_id`,`name`);--> statement-breakpoint
CREATE TABLE `mailboxes` (
	`user_id` text PRIMARY KEY NOT NULL,
	`address` text NOT NULL,
	`quota_bytes` integer NOT NULL,
	`used_bytes` integer DEFAULT 0 NOT NULL,
	`message_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `message_bodies` (
	`user_id` text NOT NULL,
	`message_id` text NOT NULL,
	`text` text,
	`html` text,
	PRIMARY KEY(`user_id`, `message_id`)
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`user_id` text NOT NULL,
	`message_id` text NOT NULL,
	`folder_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`size` integer NOT NULL,
	`seen` integer DEFAULT false NOT NULL,
	`flagged` integer DEFAULT false NOT NULL,
	`from_name` text,
	`from_address` text,
	`to_json` text DEFAULT '[]' NOT NULL,
	`cc_json` text DEFAULT '[]' NOT NULL,
	`reply_to_json` text DEFAULT '[]' NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`snippet` text DEFAULT '' NOT NULL,
	`sent_at` integer,
	`message_id_header` text,
	`in_reply_to` text,
	`has_attachments` integer DEFAULT false NOT NULL,
	`raw_key` text NOT NULL,
	`raw_offset` integer NOT NULL,
	`raw_length` integer NOT NULL,
	PRIMARY KEY(`user_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `messages_by_folder` ON `messages` (`user_id`,`folder_id`,received_at DESC,message_id DESC);