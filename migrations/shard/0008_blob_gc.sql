CREATE TABLE `blob_garbage` (
	`key` text PRIMARY KEY NOT NULL,
	`noted_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attachments_by_blob` ON `attachments` (`blob_key`);--> statement-breakpoint
CREATE INDEX `messages_by_raw_key` ON `messages` (`raw_key`);