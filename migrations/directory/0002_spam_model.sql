CREATE TABLE `spam_model` (
	`token` integer PRIMARY KEY NOT NULL,
	`spam` integer DEFAULT 0 NOT NULL,
	`ham` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `spam_model_by_update` ON `spam_model` (`updated_at`);--> statement-breakpoint
CREATE TABLE `spam_totals` (
	`id` integer PRIMARY KEY NOT NULL,
	`nspam` integer DEFAULT 0 NOT NULL,
	`nham` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
