--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: analyses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.analyses (
    seq integer NOT NULL,
    id character varying(40) NOT NULL,
    client character varying(128) NOT NULL,
    status character varying(16) NOT NULL,
    stage character varying(32) NOT NULL,
    progress double precision NOT NULL,
    error_reason character varying(64),
    error_detail text,
    warnings json NOT NULL,
    filename character varying(255) NOT NULL,
    video_name character varying(64),
    size_bytes bigint NOT NULL,
    media json NOT NULL,
    options json NOT NULL,
    idempotency_key character varying(255),
    request_hash character varying(64) NOT NULL,
    attempts integer NOT NULL,
    lease_token character varying(64),
    lease_expires_at timestamp without time zone,
    result_token character varying(64),
    enqueued_at timestamp without time zone,
    created_at timestamp without time zone NOT NULL,
    started_at timestamp without time zone,
    finished_at timestamp without time zone,
    expires_at timestamp without time zone NOT NULL
);


--
-- Name: analyses_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.analyses_seq_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: analyses_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.analyses_seq_seq OWNED BY public.analyses.seq;


--
-- Name: runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.runs (
    token character varying(64) NOT NULL,
    analysis_id character varying(40) NOT NULL,
    worker character varying(128) NOT NULL,
    started_at timestamp without time zone NOT NULL,
    ended_at timestamp without time zone,
    outcome character varying(16)
);


--
-- Name: analyses seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analyses ALTER COLUMN seq SET DEFAULT nextval('public.analyses_seq_seq'::regclass);


--
-- Data for Name: analyses; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.analyses VALUES (1, 'an_v0fixture0000000000000', 'alice', 'queued', 'queued', 0, NULL, NULL, '[]', 'call 0.mp4', 'an_v0fixture0000000000000.mp4', 1000, '{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}', '{"participant": "auto", "keep_video": false}', 'key-0', '0000000000000000000000000000000000000000000000000000000000000000', 0, NULL, NULL, NULL, '2026-12-01 09:30:00', '2026-12-01 09:30:00', NULL, NULL, '2099-01-01 00:00:00');
INSERT INTO public.analyses VALUES (2, 'an_v0fixture0000000000001', 'bob', 'running', 'running', 0, NULL, NULL, '[]', 'call 1.mp4', 'an_v0fixture0000000000001.mp4', 1001, '{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}', '{"participant": "auto", "keep_video": false}', NULL, '0000000000000000000000000000000000000000000000000000000000000001', 1, NULL, NULL, NULL, '2026-12-01 09:31:00', '2026-12-01 09:31:00', '2026-12-01 09:31:05', NULL, '2099-01-01 00:00:00');
INSERT INTO public.analyses VALUES (3, 'an_v0fixture0000000000002', 'alice', 'succeeded', 'done', 1, NULL, NULL, '["decoding stopped at 93.2 s"]', 'call 2.mp4', NULL, 1002, '{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}', '{"participant": "auto", "keep_video": false}', 'key-2', '0000000000000000000000000000000000000000000000000000000000000002', 1, NULL, NULL, 'tok_succeeded', '2026-12-01 09:32:00', '2026-12-01 09:32:00', '2026-12-01 09:32:05', '2026-12-01 09:32:50', '2099-01-01 00:00:00');
INSERT INTO public.analyses VALUES (4, 'an_v0fixture0000000000003', 'bob', 'failed', 'failed', 0, 'unsupported_video', '''call.mp4'' has no video stream', '[]', 'call 3.mp4', NULL, 1003, '{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}', '{"participant": "auto", "keep_video": false}', NULL, '0000000000000000000000000000000000000000000000000000000000000003', 1, NULL, NULL, NULL, '2026-12-01 09:33:00', '2026-12-01 09:33:00', '2026-12-01 09:33:05', '2026-12-01 09:33:50', '2099-01-01 00:00:00');
INSERT INTO public.analyses VALUES (5, 'an_v0fixture0000000000004', 'alice', 'canceled', 'canceled', 0, NULL, NULL, '[]', 'call 4.mp4', NULL, 1004, '{"duration_ms": 3120, "width": 512, "height": 512, "codec": "h264"}', '{"participant": "auto", "keep_video": false}', 'key-4', '0000000000000000000000000000000000000000000000000000000000000004', 1, NULL, NULL, NULL, '2026-12-01 09:34:00', '2026-12-01 09:34:00', '2026-12-01 09:34:05', '2026-12-01 09:34:50', '2099-01-01 00:00:00');


--
-- Data for Name: runs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.runs VALUES ('tok_succeeded', 'an_v0fixture0000000000002', 'host:1234', '2026-12-01 09:30:00', '2026-12-01 09:30:50', 'succeeded');


--
-- Name: analyses_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.analyses_seq_seq', 5, true);


--
-- Name: analyses analyses_client_idempotency_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analyses
    ADD CONSTRAINT analyses_client_idempotency_key_key UNIQUE (client, idempotency_key);


--
-- Name: analyses analyses_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analyses
    ADD CONSTRAINT analyses_id_key UNIQUE (id);


--
-- Name: analyses analyses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.analyses
    ADD CONSTRAINT analyses_pkey PRIMARY KEY (seq);


--
-- Name: runs runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.runs
    ADD CONSTRAINT runs_pkey PRIMARY KEY (token);


--
-- Name: ix_analyses_client; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_analyses_client ON public.analyses USING btree (client);


--
-- Name: ix_analyses_enqueued_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_analyses_enqueued_at ON public.analyses USING btree (enqueued_at);


--
-- Name: ix_analyses_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_analyses_expires_at ON public.analyses USING btree (expires_at);


--
-- Name: ix_analyses_lease_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_analyses_lease_expires_at ON public.analyses USING btree (lease_expires_at);


--
-- Name: ix_analyses_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_analyses_status ON public.analyses USING btree (status);


--
-- Name: ix_runs_analysis_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_runs_analysis_id ON public.runs USING btree (analysis_id);


--
-- PostgreSQL database dump complete
--


