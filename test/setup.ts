// @peculiar/x509's dependency container needs the Reflect metadata polyfill loaded before it.
import "reflect-metadata";
