CREATE TABLE `spam_model` (
	`token` text PRIMARY KEY NOT NULL,
	`spam` integer DEFAULT 0 NOT NULL,
	`ham` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `spam_model_by_update` ON `spam_model` (`updated_at`);