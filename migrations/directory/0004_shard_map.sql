CREATE TABLE `shard_map` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`replica_url` text,
	`added_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shard_map_name_unique` ON `shard_map` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `shard_map_url_unique` ON `shard_map` (`url`);--> statement-breakpoint
CREATE TABLE `shard_map_readers` (
	`reader` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`seen_at` integer NOT NULL,
	`poll_ms` integer NOT NULL
);
