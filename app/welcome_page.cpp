#include "app/welcome_page.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace slim::app {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePage"));
    m_title = new QLabel(this);
    QFont f = m_title->font();
    f.setPointSizeF(f.pointSizeF() * 2.0);
    f.setBold(true);
    m_title->setFont(f);
    m_title->setAlignment(Qt::AlignCenter);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setAlignment(Qt::AlignCenter);
    m_text->setMaximumWidth(560);
    m_openButton = new QPushButton(style()->standardIcon(QStyle::SP_DirOpenIcon), QString(), this);
    m_openButton->setObjectName(QStringLiteral("welcomeOpenButton"));
    m_demoButton = new QPushButton(style()->standardIcon(QStyle::SP_ComputerIcon), QString(), this);
    m_demoButton->setObjectName(QStringLiteral("welcomeDemoButton"));
    connect(m_openButton, &QPushButton::clicked, this, &WelcomePage::openFolderRequested);
    connect(m_demoButton, &QPushButton::clicked, this, &WelcomePage::openDemoRequested);

    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_openButton);
    buttons->addWidget(m_demoButton);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addWidget(m_title);
    layout->addWidget(m_text, 0, Qt::AlignHCenter);
    layout->addSpacing(16);
    layout->addLayout(buttons);
    layout->addStretch(3);
    retranslate();
}

void WelcomePage::retranslate()
{
    m_title->setText(tr("Slimbench"));
    m_text->setText(tr("A workbench for making large language models smaller: inspect, prune, "
                       "quantize, recover and evaluate.\nOpen a Hugging Face checkpoint folder "
                       "(config.json and *.safetensors) or start with the small built-in demo model."));
    m_openButton->setText(tr("Open Model Folder…"));
    m_demoButton->setText(tr("Open Demo Model"));
}

void WelcomePage::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

} // namespace slim::app
