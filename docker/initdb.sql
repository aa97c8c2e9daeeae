CREATE ROLE yuqing_owner LOGIN PASSWORD 'owner-secret';
CREATE ROLE yuqing_app LOGIN NOBYPASSRLS PASSWORD 'app-secret';
CREATE DATABASE yuqing OWNER yuqing_owner;
