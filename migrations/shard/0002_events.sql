CREATE TABLE `events` (
	`user_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`user_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `events_by_time` ON `events` (`at`);--> statement-breakpoint
ALTER TABLE `mailboxes` ADD `event_seq` integer DEFAULT 0 NOT NULL;