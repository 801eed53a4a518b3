/**
 * The Linux kernel's workqueue API, verbatim: {@link dev.cmwq.linux.LinuxWorkqueue}.
 */
package dev.cmwq.linux;
