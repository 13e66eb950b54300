CREATE TABLE `filters` (
	`user_id` text PRIMARY KEY NOT NULL,
	`script` text NOT NULL,
	`rules_json` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `spam_tokens` (
	`user_id` text NOT NULL,
	`token` integer NOT NULL,
	`spam` integer DEFAULT 0 NOT NULL,
	`ham` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`user_id`, `token`)
);
--> statement-breakpoint
CREATE TABLE `vacation_replies` (
	`user_id` text NOT NULL,
	`sender` text NOT NULL,
	`handle` text NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `sender`, `handle`)
);
--> statement-breakpoint
ALTER TABLE `attachments` ADD `risk` text;--> statement-breakpoint
ALTER TABLE `attachments` ADD `risk_detail` text;--> statement-breakpoint
ALTER TABLE `mailboxes` ADD `bayes_spam` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `mailboxes` ADD `bayes_ham` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `keywords_json` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `auth_json` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `spam_score` real;--> statement-breakpoint
ALTER TABLE `messages` ADD `spam_tests` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `virus_scan` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `trained_as` text;