#!/bin/sh
# The SET verbs of a capture, in order, for hda-verb (alsa-tools).
# Written by memwire hda; needs root and CONFIG_SND_HDA_HWDEP.
hda-verb /dev/snd/hwC0D0 0x14 0x71c 0x10  # 9 SET_CONFIG_DEFAULT_BYTES_0 byte 0 = 0x10: assoc 1 seq 0
hda-verb /dev/snd/hwC0D0 0x14 0x71d 0x01  # 10 SET_CONFIG_DEFAULT_BYTES_1 byte 1 = 0x01: unknown, misc 0x1
hda-verb /dev/snd/hwC0D0 0x14 0x71e 0x17  # 11 SET_CONFIG_DEFAULT_BYTES_2 byte 2 = 0x17: speaker, other-analog
hda-verb /dev/snd/hwC0D0 0x14 0x71f 0x90  # 12 SET_CONFIG_DEFAULT_BYTES_3 byte 3 = 0x90: fixed, internal
hda-verb /dev/snd/hwC0D0 0x01 0x705 0x00  # 13 SET_POWER_STATE D0
hda-verb /dev/snd/hwC0D0 0x02 0x300 0xb057  # 14 SET_AMP_GAIN_MUTE out L+R idx 0, gain 87
hda-verb /dev/snd/hwC0D0 0x14 0x707 0x40  # 15 SET_PIN_WIDGET_CONTROL OUT vref hiz
hda-verb /dev/snd/hwC0D0 0x14 0x70c 0x02  # 16 SET_EAPD_BTLENABLE EAPD
hda-verb /dev/snd/hwC0D0 0x02 0x200 0x0011  # 17 SET_STREAM_FORMAT PCM 48000 Hz, 16-bit, 2 ch
hda-verb /dev/snd/hwC0D0 0x02 0x706 0x10  # 18 SET_CHANNEL_STREAMID stream 1, channel 0
hda-verb /dev/snd/hwC0D0 0x20 0x500 0x0023  # 19 SET_COEF_INDEX index 0x23
hda-verb /dev/snd/hwC0D0 0x20 0x400 0xc203  # 20 SET_PROC_COEF coef[0x23] = 0xc203
hda-verb /dev/snd/hwC0D0 0x20 0x400 0x0000  # 21 SET_PROC_COEF coef[0x23+1] = 0x0000
hda-verb /dev/snd/hwC0D0 0x20 0x400 0x0084  # 22 SET_PROC_COEF coef[0x23+2] = 0x0084
hda-verb /dev/snd/hwC0D0 0x20 0x400 0xb031  # 23 SET_PROC_COEF coef[0x23+3] = 0xb031
hda-verb /dev/snd/hwC0D0 0x20 0x500 0x0026  # 24 SET_COEF_INDEX index 0x26
hda-verb /dev/snd/hwC0D0 0x21 0x708 0x81  # 28 SET_UNSOLICITED_ENABLE enable, tag 0x01
hda-verb /dev/snd/hwC0D0 0x0c 0x701 0x01  # 29 SET_CONNECT_SEL input 1
hda-verb /dev/snd/hwC0D0 0x20 0x780 0x01  # 31 VENDOR_VERB payload 0x01
hda-verb /dev/snd/hwC0D0 0x0a 0x200 0x0031  # 33 SET_STREAM_FORMAT PCM 48000 Hz, 24-bit, 2 ch
hda-verb /dev/snd/hwC0D0 0x01 0x7ff 0x00  # 34 SET_CODEC_RESET function reset
