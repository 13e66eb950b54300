CREATE TABLE `address_homes` (
	`pointer` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`moving_to` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `domain_regions` (
	`domain` text NOT NULL,
	`region` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`domain`, `region`)
);
