CREATE TABLE `dkim_keys` (
	`domain` text PRIMARY KEY NOT NULL,
	`selector` text NOT NULL,
	`private_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`domain`) REFERENCES `domains`(`name`) ON UPDATE no action ON DELETE cascade
);
