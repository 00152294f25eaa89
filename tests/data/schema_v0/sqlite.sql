BEGIN TRANSACTION;
CREATE TABLE analyses (
	seq INTEGER NOT NULL, 
	id VARCHAR(40) NOT NULL, 
	client VARCHAR(128) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	stage VARCHAR(32) NOT NULL, 
	progress FLOAT NOT NULL, 
	error_reason VARCHAR(64), 
	error_detail TEXT, 
	warnings JSON NOT NULL, 
	filename VARCHAR(255) NOT NULL, 
	video_name VARCHAR(64), 
	size_bytes BIGINT NOT NULL, 
	media JSON NOT NULL, 
	options JSON NOT NULL, 
	idempotency_key VARCHAR(255), 
	request_hash VARCHAR(64) NOT NULL, 
	attempts INTEGER NOT NULL, 
	lease_token VARCHAR(64), 
	lease_expires_at DATETIME, 
	result_token VARCHAR(64), 
	enqueued_at DATETIME, 
	created_at DATETIME NOT NULL, 
	started_at DATETIME, 
	finished_at DATETIME, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (seq), 
	UNIQUE (client, idempotency_key), 
	UNIQUE (id)
);
INSERT INTO "analyses" VALUES(1,'an_v0fixture0000000000000','alice','queued','queued',0.0,NULL,NULL,'[]','call 0.mp4','an_v0fixture0000000000000.mp4',1000,'{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}','{"participant": "auto", "keep_video": false}','key-0','0000000000000000000000000000000000000000000000000000000000000000',0,NULL,NULL,NULL,'2026-12-01 09:30:00.000000','2026-12-01 09:30:00.000000',NULL,NULL,'2099-01-01 00:00:00.000000');
INSERT INTO "analyses" VALUES(2,'an_v0fixture0000000000001','bob','running','running',0.0,NULL,NULL,'[]','call 1.mp4','an_v0fixture0000000000001.mp4',1001,'{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}','{"participant": "auto", "keep_video": false}',NULL,'0000000000000000000000000000000000000000000000000000000000000001',1,NULL,NULL,NULL,'2026-12-01 09:31:00.000000','2026-12-01 09:31:00.000000','2026-12-01 09:31:05.000000',NULL,'2099-01-01 00:00:00.000000');
INSERT INTO "analyses" VALUES(3,'an_v0fixture0000000000002','alice','succeeded','done',1.0,NULL,NULL,'["decoding stopped at 93.2 s"]','call 2.mp4',NULL,1002,'{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}','{"participant": "auto", "keep_video": false}','key-2','0000000000000000000000000000000000000000000000000000000000000002',1,NULL,NULL,'tok_succeeded','2026-12-01 09:32:00.000000','2026-12-01 09:32:00.000000','2026-12-01 09:32:05.000000','2026-12-01 09:32:50.000000','2099-01-01 00:00:00.000000');
INSERT INTO "analyses" VALUES(4,'an_v0fixture0000000000003','bob','failed','failed',0.0,'unsupported_video','''call.mp4'' has no video stream','[]','call 3.mp4',NULL,1003,'{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}','{"participant": "auto", "keep_video": false}',NULL,'0000000000000000000000000000000000000000000000000000000000000003',1,NULL,NULL,NULL,'2026-12-01 09:33:00.000000','2026-12-01 09:33:00.000000','2026-12-01 09:33:05.000000','2026-12-01 09:33:50.000000','2099-01-01 00:00:00.000000');
INSERT INTO "analyses" VALUES(5,'an_v0fixture0000000000004','alice','canceled','canceled',0.0,NULL,NULL,'[]','call 4.mp4',NULL,1004,'{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}','{"participant": "auto", "keep_video": false}','key-4','0000000000000000000000000000000000000000000000000000000000000004',1,NULL,NULL,NULL,'2026-12-01 09:34:00.000000','2026-12-01 09:34:00.000000','2026-12-01 09:34:05.000000','2026-12-01 09:34:50.000000','2099-01-01 00:00:00.000000');
CREATE TABLE runs (
	token VARCHAR(64) NOT NULL, 
	analysis_id VARCHAR(40) NOT NULL, 
	worker VARCHAR(128) NOT NULL, 
	started_at DATETIME NOT NULL, 
	ended_at DATETIME, 
	outcome VARCHAR(16), 
	PRIMARY KEY (token)
);
INSERT INTO "runs" VALUES('tok_succeeded','an_v0fixture0000000000002','host:1234','2026-12-01 09:30:00.000000','2026-12-01 09:30:50.000000','succeeded');
CREATE INDEX ix_analyses_expires_at ON analyses (expires_at);
CREATE INDEX ix_analyses_lease_expires_at ON analyses (lease_expires_at);
CREATE INDEX ix_analyses_enqueued_at ON analyses (enqueued_at);
CREATE INDEX ix_analyses_client ON analyses (client);
CREATE INDEX ix_analyses_status ON analyses (status);
CREATE INDEX ix_runs_analysis_id ON runs (analysis_id);
COMMIT;
